"""SARIF 2.1.0, as GitHub code scanning reads it.

Every catalogue rule is in ``tool.driver.rules`` (with its docs as help text and its docs
URL), each finding is a result with a physical location (columns in code points, declared
by ``columnKind``) and, when it has one, a fix.  The run's ``properties`` hold the metadata
block (version, pooler profile).  File URIs are relative to the working directory when the
file is below it (GitHub resolves them against the repository root).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from . import DOCS_URL, RenderContext, fingerprints, json_text, metadata, report_path, rule_url, tool_version

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def artifact_uri(filename: str) -> str:
    """A relative reference when the file is below the working directory, else a file: URI."""
    path = report_path(filename)
    if Path(path).is_absolute():
        return Path(path).resolve().as_uri()
    return quote(os.fsencode(path), safe="/")  # the name's bytes: a non-UTF-8 name stays exact


def _region(start: tuple[int, int], end: tuple[int, int]) -> dict:
    return {"startLine": start[0], "startColumn": start[1], "endLine": end[0], "endColumn": end[1]}


def _rule(rule) -> dict:
    from .rules import rule_markdown

    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what_it_does},
        "help": {"text": f"{rule.why}\n\nUse instead:\n{rule.use_instead}", "markdown": rule_markdown(rule)},
        "helpUri": rule_url(rule),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["pgbouncer", "connection-pooling"], "precision": "high"},
    }


def _fix(d, uri: str) -> dict:
    return {
        "description": {"text": d.fix.message},
        "artifactChanges": [{
            "artifactLocation": {"uri": uri},
            "replacements": [{"deletedRegion": _region(e.location, e.end_location),
                              "insertedContent": {"text": e.content}} for e in d.fix.edits],
        }],
    }


def report(diagnostics, ctx: RenderContext) -> dict:
    from ..core import catalogue as catalogue_mod

    rules = catalogue_mod.load().rules
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    for d, fingerprint in zip(diagnostics, fingerprints(diagnostics)):
        uri = artifact_uri(d.filename)
        message = d.message + (f"\nhelp: {d.help}" if d.help else "")
        result = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": LEVELS.get(d.severity, "error"),
            "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri},
                                                "region": _region(d.location, d.end_location)}}],
            "partialFingerprints": {"pgpoolLint/v1": fingerprint},
        }
        if d.fix is not None and d.fix.edits and d.fix.applicability != "display-only":
            result["fixes"] = [_fix(d, uri)]  # display-only edits are shown to people, never proposed to tools
        if d.occurrences is not None:  # `pgpool-lint logs`: how often, when and by whom the statement ran
            result["properties"] = {"occurrences": d.occurrences}
        results.append(result)
    version = tool_version()
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pgpool-lint", "version": version, "semanticVersion": version,
                                "informationUri": DOCS_URL.rsplit("/blob/", 1)[0],
                                "rules": [_rule(r) for r in rules]}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"metadata": metadata(ctx)},
        }],
    }


def render(diagnostics, out, ctx: RenderContext) -> None:
    out.write(json_text(report(diagnostics, ctx), indent=2))
    out.write("\n")

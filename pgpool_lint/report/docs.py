"""Generate ``docs/rules.md`` from the rule catalogue (``rules/*.toml``).

    python -m pgpool_lint.report.docs            # rewrite docs/rules.md
    python -m pgpool_lint.report.docs --check    # exit 1 when docs/rules.md is stale

Each rule's section heading is ``PGBnnn rule-name``, so its anchor is ``#pgbnnn-rule-name``:
the link every output format and the language server give (``report.rule_url``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..core import catalogue as catalogue_mod

DOCS_PATH = Path(__file__).resolve().parent.parent.parent / "docs" / "rules.md"
KINDS = {"check": "SQL", "engine": "engine", "driver": "driver / settings"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(cat: catalogue_mod.Catalogue) -> str:
    out = [
        "# Rules",
        "",
        "<!-- Generated from rules/*.toml by `python -m pgpool_lint.report.docs`; do not edit by hand. -->",
        "",
        "Every rule has a code and a name; either works in `select`, `ignore`, `per-file-ignores` and",
        "suppression comments (`-- pgpool-lint: ignore[session-set]`). `pgpool-lint rule CODE` prints",
        "the same text in a terminal.",
        "",
        "| Code | Name | Severity | Pool modes | Summary |",
        "|---|---|---|---|---|",
    ]
    for rule in cat.rules:
        modes = ", ".join(rule.extra.get("pool_modes", ("all",)))
        out.append(f"| [{rule.code}](#{rule.code.lower()}-{rule.name}) | `{rule.name}` | {rule.severity} | "
                   f"{modes} | {_cell(rule.summary)} |")
    for rule in cat.rules:
        modes = ", ".join(rule.extra.get("pool_modes", ("all",)))
        fence = "```sql" if rule.kind == "check" else "```"  # driver rules show settings files, not SQL
        refs = "".join(f"- <{ref}>\n" for ref in rule.references) or "- (none)\n"
        out += [
            "",
            f"## {rule.code} {rule.name}",
            "",
            f"**{rule.summary}.** Severity: {rule.severity}. Kind: {KINDS.get(rule.kind, rule.kind)}. "
            f"Pool modes: {modes}."
            + (f" Verified against {rule.extra['verified']}: every case that runs standalone"
               " (scripts/verify_catalogue.py)."
               if rule.extra.get("verified") else ""),
            "",
            "### What it does",
            "",
            rule.what_it_does,
            "",
            "### Why is this bad?",
            "",
            rule.why,
            "",
            "### Example",
            "",
            fence,
            rule.example,
            "```",
            "",
            "Use instead:",
            "",
            fence,
            rule.use_instead,
            "```",
            "",
            "### Fix safety",
            "",
            rule.fix_safety,
            "",
            "### References",
            "",
            refs.rstrip("\n"),
        ]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render(catalogue_mod.load())
    if "--check" in argv:
        current = DOCS_PATH.read_text(encoding="utf-8") if DOCS_PATH.exists() else ""
        if current != text:
            print(f"{DOCS_PATH} is stale: run `python -m pgpool_lint.report.docs`", file=sys.stderr)
            return 1
        return 0
    DOCS_PATH.parent.mkdir(exist_ok=True)
    DOCS_PATH.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

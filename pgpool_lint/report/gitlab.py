"""GitLab Code Quality report (a JSON array; ``artifacts: reports: codequality``).

Each fingerprint stays the same while the flagged line's text, the rule and the file stay
the same, so GitLab can tell new findings from old ones across merge requests.
"""

from __future__ import annotations

from . import RenderContext, fingerprints, json_text, report_path

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def render(diagnostics, out, ctx: RenderContext) -> None:
    issues = []
    for d, fingerprint in zip(diagnostics, fingerprints(diagnostics)):
        issues.append({
            "type": "issue",
            "check_name": d.code,
            "description": f"{d.code} [{d.name}] {d.message}",
            "content": {"body": d.help},
            "categories": ["Bug Risk"],
            "severity": SEVERITIES.get(d.severity, "major"),
            "fingerprint": fingerprint,
            "location": {
                "path": report_path(d.filename),
                "positions": {"begin": {"line": d.location[0], "column": d.location[1]},
                              "end": {"line": d.end_location[0], "column": d.end_location[1]}},
            },
        })
    out.write(json_text(issues, indent=2))
    out.write("\n")

"""One rule's documentation as JSON or Markdown (``pgpool-lint rule``, editor hover, SARIF help)."""

from __future__ import annotations


def rule_json(rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "severity": rule.severity,
        "what_it_does": rule.what_it_does,
        "why": rule.why,
        "example": rule.example,
        "use_instead": rule.use_instead,
        "fix_safety": rule.fix_safety,
        "references": list(rule.references),
    }


def rule_markdown(rule) -> str:
    refs = "".join(f"- {r}\n" for r in rule.references) or "- (none)\n"
    return (
        f"# {rule.name} ({rule.code})\n\n{rule.summary}. Default severity: {rule.severity}.\n\n"
        f"## What it does\n{rule.what_it_does}\n\n## Why is this bad?\n{rule.why}\n\n"
        f"## Example\n```sql\n{rule.example}\n```\n\nUse instead:\n```sql\n{rule.use_instead}\n```\n\n"
        f"## Fix safety\n{rule.fix_safety}\n\n## References\n{refs}"
    )

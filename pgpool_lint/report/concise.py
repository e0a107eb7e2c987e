"""``path:line:col: CODE [name] message`` — one line per finding (editors' errorformat)."""

from __future__ import annotations

from . import RenderContext, safe_name, summary_line, terminal_safe


def render(diagnostics, out, ctx: RenderContext) -> None:
    caveats: set[str] = set()
    filename = shown = None  # a file's findings come together: its name is escaped once
    for d in diagnostics:
        if d.filename != filename:
            filename, shown = d.filename, safe_name(d.filename)
        message = once(d.message, caveats)
        out.write(shown + terminal_safe(f":{d.location[0]}:{d.location[1]}: {d.code} [{d.name}] {message}") + "\n")
    if not ctx.quiet:
        out.write(summary_line(diagnostics, ctx) + "\n")


#: a trailing parenthesis at least this long is a caveat (the search_path one names versions and
#: the profile): one line a finding stays readable when it is said once
_CAVEAT_MIN = 60


def once(message: str, seen: set[str]) -> str:
    """``message`` with a long trailing caveat in parentheses replaced by ``(as above)`` when an
    earlier line already said it."""
    if not message.endswith(")"):
        return message
    at = message.rfind(" (")
    if at == -1 or len(message) - at < _CAVEAT_MIN:
        return message
    caveat = message[at:]
    if caveat in seen:
        return message[:at] + " (as above)"
    seen.add(caveat)
    return message

"""Output formats.  Each module has ``render(diagnostics, out, ctx)``; they are imported only
when chosen, so ``rich`` is loaded only for the ``full`` format."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Callable, TextIO

FORMATS = {
    "full": "pgpool_lint.output.full",
    "concise": "pgpool_lint.output.concise",
    "json": "pgpool_lint.output.json_format",
}


@dataclass
class RenderContext:
    files_checked: int
    color: bool
    quiet: bool = False


def renderer(name: str) -> Callable:
    return importlib.import_module(FORMATS[name]).render


# C0/C1 control characters (ESC starts ANSI sequences) and bidi overrides ("Trojan source"):
# file content echoed to a terminal must not be able to drive it.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with every control character shown as an escape, never sent raw."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def summary_line(count: int, files_with: int, files_checked: int) -> str:
    if count == 0:
        return f"All checks passed! ({files_checked} file{'s' if files_checked != 1 else ''} checked)"
    return (f"Found {count} finding{'s' if count != 1 else ''} in {files_with} file{'s' if files_with != 1 else ''} "
            f"({files_checked} checked).")

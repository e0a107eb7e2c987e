"""Regular expressions compiled on first use.

Compiling a pattern costs 0.1-1 ms; a module that holds patterns for rare paths (another
database's SQL, passwords in a message, a settings file) would otherwise make every run pay
for them at import.  ``lazy_re(pattern, flags)`` stands where ``re.compile(...)`` stood: the
first method used compiles the pattern and stores the compiled pattern's methods on the
instance, so later calls cost what a compiled pattern's do.
"""

from __future__ import annotations

import re

_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")


class LazyPattern:
    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str):  # only called for what the instance does not hold yet
        if name.startswith("_"):
            raise AttributeError(name)
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self._compiled = re.compile(*self._source)
            for method in _METHODS:
                setattr(self, method, getattr(compiled, method))
            self.pattern, self.flags, self.groups, self.groupindex = (
                compiled.pattern, compiled.flags, compiled.groups, compiled.groupindex)
        return getattr(compiled, name)


def lazy_re(pattern: str, flags: int = 0) -> "re.Pattern[str]":
    """A pattern compiled when first used (typed as the compiled pattern it stands for)."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]

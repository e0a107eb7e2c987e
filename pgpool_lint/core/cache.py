"""A bounded cache for what recurs from file to file in one run (the same short statement parsed,
the same SET cut, the same failing statement judged): it forgets everything when full, which keeps
memory flat whatever the run's size and costs nothing per lookup."""

from __future__ import annotations

from typing import Any, Callable, Hashable


#: the longest statement text kept as (part of) a key of a cache by text: the same short
#: statements come back file after file (``SET search_path = ...``, ``EXECUTE q``), long ones
#: rarely, and a key holds its text for as long as it is kept
SHORT_TEXT = 200


class ClearingCache(dict):
    """A dict that is emptied when it would hold more than ``limit`` entries."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, key: Hashable, value: Any) -> Any:
        """Keep ``value`` under ``key`` (emptying the cache first when it is full); ``value``."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value

    def get_or_remember(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept under ``key``, else ``make()`` kept under it."""
        if key in self:
            return self[key]
        return self.remember(key, make())

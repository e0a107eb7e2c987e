"""The garbage collector around what is built once and lives as long as the run."""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def paused_then_frozen() -> Iterator[None]:
    """No garbage collection while the block builds what lives as long as the run (start-up's
    modules and linter, sqlglot's classes and tables): a collection then frees next to nothing.
    What it built is then set aside for good (``gc.freeze``), else every later collection would
    walk all of it again.  The collector is on again after it only if it was before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()

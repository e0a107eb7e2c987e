"""Detection code: one module per rule, named after the rule (``session-set`` →
``session_set.py``).  Each module has ``check(stmt)`` yielding findings, and declares what
the engine's gate must let through to it: ``FIRST_WORDS`` (a statement's first keyword)
and ``SUBSTRINGS`` (lower-case text anywhere in the statement).  The rule's docs and cases
live in its catalogue file, ``rules/<CODE>-<name>.toml``.
"""

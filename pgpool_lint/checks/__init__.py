"""Detection code: one module per rule, named after the rule (``session-set`` →
``session_set.py``).  Each module has ``check(stmt)`` yielding findings, and declares what
the engine's gate must let through to it: ``FIRST_WORDS`` (a statement's first keyword)
and ``SUBSTRINGS`` (lower-case text anywhere in the statement), and may declare
``may_flag(text)``: a statement only its ``SUBSTRINGS`` let through is parsed only when
``may_flag`` says yes to its text (``template`` holds ``temp`` but creates nothing
temporary).  The rule's docs and cases
live in its catalogue file, ``rules/<CODE>-<name>.toml``.
"""

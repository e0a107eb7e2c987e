"""Fixes and suggested SQL built from a statement's own tokens, and applying edits to a text
(the checks build them; ``lint.fixer`` applies them to files)."""

"""Files in, diagnostics out: read, decode, pick the file kind, run the SQL / code / settings
stage, then positions, suppressions and per-file ignores; ``fixer`` runs ``check --fix``."""

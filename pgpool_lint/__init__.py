"""pgpool-lint: find SQL that breaks behind a transaction-mode connection pooler.

Importing the package is cheap on purpose (a pre-commit hook starts it on every commit):
pglast, rich and sqlglot are imported only where they are used.
"""

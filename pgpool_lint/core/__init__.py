"""Shared low-level pieces every stage uses: findings, diagnostics, positions, comments, the
rule catalogue and the pooler profile.  Nothing here imports another pgpool_lint package."""

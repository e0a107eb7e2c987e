"""Settings rules: one module per rule, each judges the facts the readers collected."""

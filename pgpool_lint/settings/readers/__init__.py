"""Settings readers: one per file format, each turns a file into ``model.Fact``s (never a finding)."""

"""SQL text in, findings out: neutralise → split with recovery → gate → parse → dispatch to checks.

See ``engine.analyse_sql`` for the order of the stages."""

-- source: que-rb/que lib/que/migrations/4/up.sql @ 0b4531a0e00391636ccc05441ef86755e14f1f38 (MIT)
DO $$
  BEGIN
    IF 90400 >= (SELECT setting::integer FROM pg_settings WHERE name = 'server_version_num') THEN
      ALTER TABLE que_jobs ALTER COLUMN args DROP DEFAULT;
      ALTER TABLE que_jobs ALTER COLUMN args TYPE jsonb USING args::jsonb;
      ALTER TABLE que_jobs ALTER COLUMN args SET DEFAULT '[]'::jsonb;
    ELSE
      RAISE NOTICE 'Using `json` datatype as your version of PG is < 9.4';
    END IF;
  END;
$$;

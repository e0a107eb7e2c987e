-- source: supabase/postgres migrations/db/migrations/20260130074514_load_disable_pg_safeupdate.sql @ 01015019520fdfa02fcf8841381a947943601c25 (PostgreSQL Licence)
-- migrate:up
ALTER ROLE authenticated SET session_preload_libraries = 'safeupdate';
ALTER ROLE anon SET session_preload_libraries = 'safeupdate';
load 'safeupdate';

SET safeupdate.enabled=0;

-- migrate:down


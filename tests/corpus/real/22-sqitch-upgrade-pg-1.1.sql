-- source: sqitchers/sqitch lib/App/Sqitch/Engine/Upgrade/pg-1.1.sql @ 4eae86e2979697e41b5053c7a8eea70314883cb9 (MIT)
BEGIN;

SET client_min_messages = warning;
ALTER TABLE :"registry".changes DROP CONSTRAINT changes_script_hash_key;
ALTER TABLE :"registry".changes ADD UNIQUE (project, script_hash);

COMMIT;

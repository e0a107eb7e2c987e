-- Reporting helpers: the transaction-scoped way.
BEGIN;
SET LOCAL lock_timeout = '5s';
SELECT pg_advisory_xact_lock(hashtext('reporting'));

CREATE TEMP TABLE monthly ON COMMIT DROP AS
    SELECT date_trunc('month', created_at) AS month, count(*) AS n
    FROM app.tenants GROUP BY 1;

CREATE MATERIALIZED VIEW app.tenant_growth AS SELECT * FROM app.tenants;

-- A notification is fine; only LISTEN needs a session.
NOTIFY reporting, 'refreshed';
COMMIT;

-- The worker's listener sneaked into a migration:
LISTEN reporting;

-- Accounts and tenants.  Safe under transaction pooling.
BEGIN;

CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE app.tenants (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app.accounts (
    id        bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES app.tenants (id),
    email     text NOT NULL,
    UNIQUE (tenant_id, email)
);

-- Function-level SET clauses are scoped to each call: fine.
CREATE FUNCTION app.current_tenant() RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path = app, pg_catalog
AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::bigint $$;

COMMIT;

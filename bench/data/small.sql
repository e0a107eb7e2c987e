-- a typical small migration
BEGIN;
ALTER TABLE accounts ADD COLUMN last_login timestamptz;
CREATE INDEX accounts_last_login_idx ON accounts (last_login);
COMMIT;

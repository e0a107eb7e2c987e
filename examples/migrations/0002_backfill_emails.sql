-- Backfill lower-case e-mails.  Written for a direct connection, now run through the pooler.
SET search_path TO app, public;
SET statement_timeout = '15min';

SELECT pg_advisory_lock(hashtext('backfill_emails'));

CREATE TEMP TABLE email_fixes AS
    SELECT id, lower(email) AS email FROM accounts WHERE email <> lower(email);

UPDATE accounts a SET email = f.email FROM email_fixes f WHERE a.id = f.id;

SELECT pg_advisory_unlock(hashtext('backfill_emails'));

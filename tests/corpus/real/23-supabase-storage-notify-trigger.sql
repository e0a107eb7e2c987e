-- source: supabase/storage migrations/multitenant/0003-add-notify-trigger.sql @ aabb5520c8fb987c16c20c300f1c34a078aee42c (Apache-2.0)

CREATE FUNCTION tenants_update_notify_trigger ()
    RETURNS TRIGGER
    AS $$
DECLARE
BEGIN
    PERFORM
        pg_notify('tenants_update', '"' || NEW.id || '"');
    RETURN NULL;
END;
$$
LANGUAGE plpgsql;

CREATE TRIGGER tenants_update_notify_trigger
    AFTER UPDATE ON tenants
    FOR EACH ROW
    EXECUTE PROCEDURE tenants_update_notify_trigger ();

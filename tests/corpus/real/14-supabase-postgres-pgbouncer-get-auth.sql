-- source: supabase/postgres migrations/db/migrations/20251121132723_correct_search_path_pgbouncer.sql @ 2a69b5dd609ff12df8ff32c0dd882616ca66e70c (PostgreSQL Licence)
-- migrate:up

create or replace function pgbouncer.get_auth(p_usename text) returns table (username text, password text)
    language plpgsql 
    set search_path = ''
    security definer
    as $$
begin
    raise debug 'PgBouncer auth request: %', p_usename;

    return query
    select 
        rolname::text, 
        case when rolvaliduntil < now() 
            then null 
            else rolpassword::text 
        end 
    from pg_authid 
    where rolname=$1 and rolcanlogin;
end;
$$;

revoke execute on function pgbouncer.get_auth(text) from public;
grant execute on function pgbouncer.get_auth(text) to pgbouncer;
-- migrate:down


-- Hands everything the admin role `ledger` created in this database over to the role named by the
-- session setting ledger.new_owner: schemas, tables (their indexes and owned sequences follow),
-- free-standing sequences, views, functions and types. Used when a service database made under the
-- shared `ledger` role (before per-service roles) gets its service's own role: infra/accounts.sh
-- (make run) and infra/compose/postgres-accounts.sh. Run as `ledger` (a member of the new owner)
-- or a superuser, after: SET ledger.new_owner = '<role>'.
DO $$
DECLARE
  owner text := current_setting('ledger.new_owner');
  r record;
BEGIN
  FOR r IN SELECT n.nspname FROM pg_namespace n
           WHERE n.nspowner = 'ledger'::regrole AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'public') LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, owner);
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relowner = 'ledger'::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.name, owner);
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relowner = 'ledger'::regrole AND c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', r.name, owner);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE p.proowner = 'ledger'::regrole AND n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I', CASE r.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, r.name, owner);
  END LOOP;
  FOR r IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE t.typowner = 'ledger'::regrole AND n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO %I', r.name, owner);
  END LOOP;
END
$$;

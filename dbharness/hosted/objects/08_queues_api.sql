-- Supabase Queues exposed to the Data API (pgmq_public), as the dashboard's switch makes them.
-- @opt-in queues_api
--
-- Made only for a project that sets `queues_api = true` in [tool.dbharness]: a project has no
--   pgmq_public until "Expose Queues via PostgREST" is switched on in the Queues settings, which
--   the dashboard offers once the Queues integration has enabled pgmq; so this enables pgmq too
--   (the offline one on the local engine), with what the platform does after creating it.
-- What: schema pgmq_public with the wrappers pop, send, send_batch, read, archive and delete
--   (plain PL/pgSQL with an empty search_path, as the dashboard writes them), owned by postgres;
--   execute on them and on the pgmq functions they call for postgres and the API roles; usage on
--   pgmq for them; every privilege on pgmq's tables for postgres and service_role, now and (as
--   default privileges) on the queues postgres creates later; usage, select and update on pgmq's
--   sequences for the API roles. anon and authenticated get no table privileges: a queue they
--   use needs the project's own grants and policies, as on the platform.
-- Why: clients call supabase.schema('pgmq_public').rpc('send', ...), and migrations and pgTAP
--   tests of projects that switched it on call pgmq_public.send(...).
-- The platform runs the switch's SQL as postgres: here the superuser makes the objects and hands
--   them to postgres, and the default privileges are postgres's (for role postgres).

-- @provide extension pgmq
create extension pgmq;
select pg_catalog.dbharness_after_create('pgmq');

-- @provide schema pgmq_public
create schema pgmq_public authorization postgres;
grant usage on schema pgmq_public to postgres, anon, authenticated, service_role;

create function pgmq_public.pop(queue_name text) returns setof pgmq.message_record
  language plpgsql set search_path = ''
  as $fn$
  begin
    return query select * from pgmq.pop(queue_name := queue_name);
  end
  $fn$;
comment on function pgmq_public.pop(text) is
  'Takes the next visible message off the queue (pgmq.pop).';

create function pgmq_public.send(queue_name text, message jsonb, sleep_seconds integer default 0)
  returns setof bigint
  language plpgsql set search_path = ''
  as $fn$
  begin
    return query select * from pgmq.send(queue_name := queue_name, msg := message, delay := sleep_seconds);
  end
  $fn$;
comment on function pgmq_public.send(text, jsonb, integer) is
  'Puts a message on the queue, visible after sleep_seconds (pgmq.send).';

create function pgmq_public.send_batch(queue_name text, messages jsonb[], sleep_seconds integer default 0)
  returns setof bigint
  language plpgsql set search_path = ''
  as $fn$
  begin
    return query select * from pgmq.send_batch(queue_name := queue_name, msgs := messages,
                                                delay := sleep_seconds);
  end
  $fn$;
comment on function pgmq_public.send_batch(text, jsonb[], integer) is
  'Puts several messages on the queue, visible after sleep_seconds (pgmq.send_batch).';

create function pgmq_public.archive(queue_name text, message_id bigint) returns boolean
  language plpgsql set search_path = ''
  as $fn$
  begin
    return pgmq.archive(queue_name := queue_name, msg_id := message_id);
  end
  $fn$;
comment on function pgmq_public.archive(text, bigint) is
  'Moves a message to the queue''s archive (pgmq.archive).';

create function pgmq_public.delete(queue_name text, message_id bigint) returns boolean
  language plpgsql set search_path = ''
  as $fn$
  begin
    return pgmq.delete(queue_name := queue_name, msg_id := message_id);
  end
  $fn$;
comment on function pgmq_public.delete(text, bigint) is
  'Deletes a message from the queue for good (pgmq.delete).';

create function pgmq_public.read(queue_name text, sleep_seconds integer, n integer)
  returns setof pgmq.message_record
  language plpgsql set search_path = ''
  as $fn$
  begin
    return query select * from pgmq.read(queue_name := queue_name, vt := sleep_seconds, qty := n);
  end
  $fn$;
comment on function pgmq_public.read(text, integer, integer) is
  'Reads up to n visible messages, hidden again for sleep_seconds (pgmq.read).';

alter function pgmq_public.pop(text) owner to postgres;
alter function pgmq_public.send(text, jsonb, integer) owner to postgres;
alter function pgmq_public.send_batch(text, jsonb[], integer) owner to postgres;
alter function pgmq_public.archive(text, bigint) owner to postgres;
alter function pgmq_public.delete(text, bigint) owner to postgres;
alter function pgmq_public.read(text, integer, integer) owner to postgres;

grant execute on function pgmq_public.pop(text), pgmq.pop(text),
  pgmq_public.send(text, jsonb, integer), pgmq.send(text, jsonb, integer),
  pgmq_public.send_batch(text, jsonb[], integer), pgmq.send_batch(text, jsonb[], integer),
  pgmq_public.archive(text, bigint), pgmq.archive(text, bigint),
  pgmq_public.delete(text, bigint), pgmq.delete(text, bigint),
  pgmq_public.read(text, integer, integer), pgmq.read(text, integer, integer)
  to postgres, service_role, anon, authenticated;

grant all privileges on all tables in schema pgmq to postgres, service_role;
alter default privileges for role postgres in schema pgmq grant all privileges on tables to postgres, service_role;
grant usage on schema pgmq to postgres, anon, authenticated, service_role;
grant usage, select, update on all sequences in schema pgmq to anon, authenticated, service_role;
alter default privileges for role postgres in schema pgmq
  grant usage, select, update on sequences to anon, authenticated, service_role;

-- pgmq, offline (dbharness): Supabase Queues' interface, pgmq 1.4.4 (the version supabase/postgres
-- pins), in PL/pgSQL and written for the harness.
--
-- What: schema pgmq (made by create extension, as the control file names it), the pgmq.meta table,
--   the message_record, queue_record and metrics_result types, and pgmq's functions with their
--   signatures and defaults. A queue is two tables, pgmq.q_<name> (messages) and pgmq.a_<name>
--   (the archive), added to the extension as pgmq adds them. A message is invisible to read and
--   pop until its vt (visibility timeout) passes; read sets vt and counts read_ct; rows being read
--   are locked with for update skip locked, so two readers never get the same message. read,
--   send and send_batch use clock_timestamp(); pop and set_vt use now() (the transaction's
--   start), as pgmq does: in one transaction a message just sent is read but not popped.
-- Why: migrations enable Supabase Queues (create extension pgmq; select pgmq.create('jobs')) and
--   their functions send and read; no Debian package provides pgmq.
-- Differs: create_partitioned and convert_archive_partitioned need pg_partman; without it they
--   fail as on the platform, with it they refuse (no partitioned queues offline). drop_queue is
--   the platform's (one argument; it also drops queues already detached from the extension).
--   read_with_poll sleeps poll_interval_ms between polls (pgmq's integer division made it spin).
-- Installed into the server's extension directory by `dbharness setup`; the real pgmq replaces it
--   on the docker engine and on Supabase.

\echo Use "CREATE EXTENSION pgmq" to load this file. \quit

create table pgmq.meta (
  queue_name varchar unique not null,
  is_partitioned boolean not null,
  is_unlogged boolean not null,
  created_at timestamp with time zone default now() not null
);

grant usage on schema pgmq to pg_monitor;
grant select on all tables in schema pgmq to pg_monitor;
grant select on all sequences in schema pgmq to pg_monitor;
alter default privileges in schema pgmq grant select on tables to pg_monitor;
alter default privileges in schema pgmq grant select on sequences to pg_monitor;

create type pgmq.message_record as (
  msg_id bigint,
  read_ct integer,
  enqueued_at timestamp with time zone,
  vt timestamp with time zone,
  message jsonb
);

create type pgmq.queue_record as (
  queue_name varchar,
  is_partitioned boolean,
  is_unlogged boolean,
  created_at timestamp with time zone
);

create type pgmq.metrics_result as (
  queue_name text,
  queue_length bigint,
  newest_msg_age_sec integer,
  oldest_msg_age_sec integer,
  total_messages bigint,
  scrape_time timestamp with time zone
);

-- Names: a queue's tables are q_<name> and a_<name>, lower-cased; the characters that could end a
-- quoted identifier or a statement are refused.
create function pgmq.format_table_name(queue_name text, prefix text) returns text
  language plpgsql
  as $fn$
  begin
    if queue_name ~ '\$|;|--|''' then
      raise exception 'queue name contains invalid characters: $, ;, --, or \''';
    end if;
    return lower(prefix || '_' || queue_name);
  end
  $fn$;

create function pgmq.validate_queue_name(queue_name text) returns void
  language plpgsql
  as $fn$
  begin
    if length(queue_name) >= 48 then
      raise exception 'queue name is too long, maximum length is 48 characters';
    end if;
  end
  $fn$;

create function pgmq._belongs_to_pgmq(table_name text) returns boolean
  language plpgsql
  as $fn$
  begin
    return exists (
      select from pg_catalog.pg_depend d
        join pg_catalog.pg_class c on c.oid = d.objid and d.classid = 'pg_catalog.pg_class'::regclass
        join pg_catalog.pg_extension e on e.oid = d.refobjid and d.refclassid = 'pg_catalog.pg_extension'::regclass
      where e.extname = 'pgmq' and c.relname = table_name
        and c.relnamespace = 'pgmq'::regnamespace and d.deptype = 'e');
  end
  $fn$;

-- A queue: its two tables (q_ unlogged when asked), added to the extension, their indexes, and
-- its row in pgmq.meta. Made again it changes nothing.
create function pgmq.create_non_partitioned(queue_name text) returns void
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
  begin
    perform pgmq.validate_queue_name(queue_name);
    execute format('create table if not exists pgmq.%I (msg_id bigint primary key generated always as '
                   'identity, read_ct int default 0 not null, enqueued_at timestamp with time zone '
                   'default now() not null, vt timestamp with time zone not null, message jsonb)', qtable);
    execute format('create table if not exists pgmq.%I (msg_id bigint primary key, read_ct int default 0 '
                   'not null, enqueued_at timestamp with time zone default now() not null, archived_at '
                   'timestamp with time zone default now() not null, vt timestamp with time zone not null, '
                   'message jsonb)', atable);
    if not pgmq._belongs_to_pgmq(qtable) then
      execute format('alter extension pgmq add table pgmq.%I', qtable);
    end if;
    if not pgmq._belongs_to_pgmq(atable) then
      execute format('alter extension pgmq add table pgmq.%I', atable);
    end if;
    execute format('create index if not exists %I on pgmq.%I (vt asc)', qtable || '_vt_idx', qtable);
    execute format('create index if not exists %I on pgmq.%I (archived_at)', 'archived_at_idx_' || queue_name,
                   atable);
    insert into pgmq.meta (queue_name, is_partitioned, is_unlogged)
      values (create_non_partitioned.queue_name, false, false) on conflict do nothing;
  end
  $fn$;

create function pgmq.create_unlogged(queue_name text) returns void
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
  begin
    perform pgmq.validate_queue_name(queue_name);
    execute format('create unlogged table if not exists pgmq.%I (msg_id bigint primary key generated always '
                   'as identity, read_ct int default 0 not null, enqueued_at timestamp with time zone '
                   'default now() not null, vt timestamp with time zone not null, message jsonb)', qtable);
    execute format('create table if not exists pgmq.%I (msg_id bigint primary key, read_ct int default 0 '
                   'not null, enqueued_at timestamp with time zone default now() not null, archived_at '
                   'timestamp with time zone default now() not null, vt timestamp with time zone not null, '
                   'message jsonb)', atable);
    if not pgmq._belongs_to_pgmq(qtable) then
      execute format('alter extension pgmq add table pgmq.%I', qtable);
    end if;
    if not pgmq._belongs_to_pgmq(atable) then
      execute format('alter extension pgmq add table pgmq.%I', atable);
    end if;
    execute format('create index if not exists %I on pgmq.%I (vt asc)', qtable || '_vt_idx', qtable);
    execute format('create index if not exists %I on pgmq.%I (archived_at)', 'archived_at_idx_' || queue_name,
                   atable);
    insert into pgmq.meta (queue_name, is_partitioned, is_unlogged)
      values (create_unlogged.queue_name, false, true) on conflict do nothing;
  end
  $fn$;

create function pgmq."create"(queue_name text) returns void
  language plpgsql
  as $fn$
  begin
    perform pgmq.create_non_partitioned(queue_name);
  end
  $fn$;

-- Partitioned queues need pg_partman, which the local engine lacks.
create function pgmq._get_pg_partman_schema() returns text
  language sql
  as $fn$
    select extnamespace::regnamespace::text from pg_catalog.pg_extension where extname = 'pg_partman'
  $fn$;

create function pgmq._get_pg_partman_major_version() returns int
  language sql
  as $fn$
    select split_part(extversion, '.', 1)::int from pg_catalog.pg_extension where extname = 'pg_partman'
  $fn$;

create function pgmq._ensure_pg_partman_installed() returns void
  language plpgsql
  as $fn$
  begin
    if not exists (select from pg_catalog.pg_extension where extname = 'pg_partman') then
      raise exception 'pg_partman is required for partitioned queues';
    end if;
  end
  $fn$;

-- A whole number partitions by msg_id, anything else (an interval) by enqueued_at.
create function pgmq._get_partition_col(partition_interval text) returns text
  language plpgsql
  as $fn$
  begin
    perform partition_interval::integer;
    return 'msg_id';
  exception
    when others then
      return 'enqueued_at';
  end
  $fn$;

create function pgmq.create_partitioned(queue_name text, partition_interval text default '10000',
                                        retention_interval text default '100000') returns void
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
  begin
    perform pgmq.validate_queue_name(queue_name);
    perform pgmq._ensure_pg_partman_installed();
    raise exception 'the offline pgmq (dbharness) has no partitioned queues: % needs pg_partman''s '
                    'maintenance', 'pgmq.create_partitioned'
      using errcode = 'feature_not_supported',
            hint = 'use pgmq.create or pgmq.create_unlogged here, or run on the docker engine (the '
                   'supabase/postgres image has pgmq and pg_partman)';
  end
  $fn$;

create function pgmq.convert_archive_partitioned(table_name text, partition_interval text default '10000',
                                                 retention_interval text default '100000',
                                                 leading_partition int default 10) returns void
  language plpgsql
  as $fn$
  declare
    atable text := pgmq.format_table_name(table_name, 'a');
    kind "char";
  begin
    select c.relkind into kind from pg_catalog.pg_class c
      where c.relname = atable and c.relnamespace = 'pgmq'::regnamespace;
    if kind = 'p' then
      raise notice 'Table %s is already partitioned', atable;
      return;
    elsif kind is distinct from 'r' then
      raise notice 'Table %s does not exists', atable;
      return;
    end if;
    perform pgmq._ensure_pg_partman_installed();
    raise exception 'the offline pgmq (dbharness) has no partitioned queues: % needs pg_partman''s '
                    'maintenance', 'pgmq.convert_archive_partitioned'
      using errcode = 'feature_not_supported',
            hint = 'run on the docker engine (the supabase/postgres image has pgmq and pg_partman)';
  end
  $fn$;

-- Sending: a message is visible once clock_timestamp() + delay seconds has passed.
create function pgmq.send(queue_name text, msg jsonb, delay integer default 0) returns setof bigint
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
  begin
    return query execute format(
      'insert into pgmq.%I (vt, message) values (clock_timestamp() + $2, $1) returning msg_id', qtable)
      using msg, make_interval(secs => delay);
  end
  $fn$;

create function pgmq.send_batch(queue_name text, msgs jsonb[], delay integer default 0) returns setof bigint
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
  begin
    return query execute format(
      'insert into pgmq.%I (vt, message) select clock_timestamp() + $2, m from unnest($1) as m '
      'returning msg_id', qtable)
      using msgs, make_interval(secs => delay);
  end
  $fn$;

-- Reading: up to qty visible messages, oldest first, made invisible for vt seconds and counted.
-- Rows another transaction holds are skipped, never waited for or handed out twice.
create function pgmq.read(queue_name text, vt integer, qty integer) returns setof pgmq.message_record
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
  begin
    return query execute format(
      'with ready as (select msg_id from pgmq.%1$I where vt <= clock_timestamp() order by msg_id asc '
      'limit $1 for update skip locked) '
      'update pgmq.%1$I as q set vt = clock_timestamp() + $2, read_ct = q.read_ct + 1 from ready '
      'where q.msg_id = ready.msg_id returning q.msg_id, q.read_ct, q.enqueued_at, q.vt, q.message', qtable)
      using qty, make_interval(secs => vt);
  end
  $fn$;

create function pgmq.read_with_poll(queue_name text, vt integer, qty integer, max_poll_seconds integer default 5,
                                    poll_interval_ms integer default 100) returns setof pgmq.message_record
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    stop_at timestamp with time zone := clock_timestamp() + make_interval(secs => max_poll_seconds);
  begin
    loop
      if clock_timestamp() >= stop_at then
        return;
      end if;
      return query select * from pgmq.read(queue_name, vt, qty);
      if found then
        return;
      end if;
      perform pg_catalog.pg_sleep(poll_interval_ms / 1000.0);
    end loop;
  end
  $fn$;

-- Popping: the oldest visible message, deleted as it is returned (its read_ct unchanged).
create function pgmq.pop(queue_name text) returns setof pgmq.message_record
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
  begin
    return query execute format(
      'with ready as (select msg_id from pgmq.%1$I where vt <= now() order by msg_id asc limit 1 '
      'for update skip locked) '
      'delete from pgmq.%1$I where msg_id = (select msg_id from ready) '
      'returning msg_id, read_ct, enqueued_at, vt, message', qtable);
  end
  $fn$;

create function pgmq.set_vt(queue_name text, msg_id bigint, vt integer) returns setof pgmq.message_record
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
  begin
    return query execute format(
      'update pgmq.%I set vt = now() + $2 where msg_id = $1 '
      'returning msg_id, read_ct, enqueued_at, vt, message', qtable)
      using msg_id, make_interval(secs => vt);
  end
  $fn$;

-- Archiving moves a message to a_<name> (archived_at: now()); deleting removes it for good.
create function pgmq.archive(queue_name text, msg_id bigint) returns boolean
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
    moved bigint;
  begin
    execute format(
      'with gone as (delete from pgmq.%I where msg_id = $1 returning msg_id, vt, read_ct, enqueued_at, message) '
      'insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message) '
      'select msg_id, vt, read_ct, enqueued_at, message from gone returning msg_id', qtable, atable)
      into moved using msg_id;
    return moved is not null;
  end
  $fn$;

create function pgmq.archive(queue_name text, msg_ids bigint[]) returns setof bigint
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
  begin
    return query execute format(
      'with gone as (delete from pgmq.%I where msg_id = any($1) '
      'returning msg_id, vt, read_ct, enqueued_at, message) '
      'insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message) '
      'select msg_id, vt, read_ct, enqueued_at, message from gone returning msg_id', qtable, atable)
      using msg_ids;
  end
  $fn$;

create function pgmq.delete(queue_name text, msg_id bigint) returns boolean
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    gone bigint;
  begin
    execute format('delete from pgmq.%I where msg_id = $1 returning msg_id', qtable) into gone using msg_id;
    return gone is not null;
  end
  $fn$;

create function pgmq.delete(queue_name text, msg_ids bigint[]) returns setof bigint
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
  begin
    return query execute format('delete from pgmq.%I where msg_id = any($1) returning msg_id', qtable)
      using msg_ids;
  end
  $fn$;

create function pgmq.purge_queue(queue_name text) returns bigint
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    purged bigint;
  begin
    execute format('delete from pgmq.%I', qtable);
    get diagnostics purged = row_count;
    return purged;
  end
  $fn$;

-- Metrics: every message in the queue (visible or not), the ages of the newest and oldest, and
-- how many were ever sent (the msg_id sequence).
create function pgmq.metrics(queue_name text) returns pgmq.metrics_result
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    result pgmq.metrics_result;
  begin
    execute format(
      'select $1::text, count(*), extract(epoch from now() - max(enqueued_at))::int, '
      'extract(epoch from now() - min(enqueued_at))::int, '
      '(select case when is_called then last_value else 0 end from pgmq.%I), now() from pgmq.%I',
      qtable || '_msg_id_seq', qtable)
      into result using queue_name;
    return result;
  end
  $fn$;

create function pgmq.metrics_all() returns setof pgmq.metrics_result
  language plpgsql
  as $fn$
  declare
    queue varchar;
  begin
    for queue in select m.queue_name from pgmq.meta as m loop
      return next pgmq.metrics(queue);
    end loop;
  end
  $fn$;

create function pgmq.list_queues() returns setof pgmq.queue_record
  language plpgsql
  as $fn$
  begin
    return query select m.queue_name, m.is_partitioned, m.is_unlogged, m.created_at from pgmq.meta as m;
  end
  $fn$;

-- The archive is kept when the queue is dropped once it no longer belongs to the extension.
create function pgmq.detach_archive(queue_name text) returns void
  language plpgsql
  as $fn$
  declare
    atable text := pgmq.format_table_name(queue_name, 'a');
  begin
    execute format('alter extension pgmq drop table pgmq.%I', atable);
  end
  $fn$;

-- The platform's drop_queue: tables (and the message sequence) still in the extension leave it
-- first; then both tables and the queue's row in pgmq.meta go. True even when nothing was there.
create function pgmq.drop_queue(queue_name text) returns boolean
  language plpgsql
  as $fn$
  declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
    partitioned boolean;
    member record;
  begin
    select m.is_partitioned into partitioned from pgmq.meta as m where m.queue_name = drop_queue.queue_name;
    for member in
      select c.relname, c.relkind from pg_catalog.pg_class c
        join pg_catalog.pg_depend d on d.objid = c.oid and d.classid = 'pg_catalog.pg_class'::regclass
          and d.deptype = 'e'
        join pg_catalog.pg_extension e on e.oid = d.refobjid and e.extname = 'pgmq'
      where c.relnamespace = 'pgmq'::regnamespace and c.relname in (qtable, qtable || '_msg_id_seq', atable)
    loop
      execute format('alter extension pgmq drop %s pgmq.%I',
                     case when member.relkind = 'S' then 'sequence' else 'table' end, member.relname);
    end loop;
    execute format('drop table if exists pgmq.%I', qtable);
    execute format('drop table if exists pgmq.%I', atable);
    delete from pgmq.meta as m where m.queue_name = drop_queue.queue_name;
    if partitioned then
      execute format('delete from %I.part_config where parent_table in ($1, $2)', pgmq._get_pg_partman_schema())
        using 'pgmq.' || qtable, 'pgmq.' || atable;
    end if;
    return true;
  end
  $fn$;

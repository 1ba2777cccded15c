-- Supabase Realtime as a new project has it (the service's tenant schema after all its migrations).
--
-- What: the supabase_realtime publication (owned by postgres, no tables, so
--   `alter publication supabase_realtime add table ...` works as on the platform); the realtime
--   schema with realtime.messages (Broadcast: partitioned by inserted_at, row security on, no
--   policies), realtime.subscription (Postgres Changes: who listens to what), realtime.schema_migrations,
--   the types action, equality_op, user_defined_filter, wal_column and wal_rls, and the functions
--   projects and dumps call: send() and send_binary() (Broadcast from the database: a row in
--   realtime.messages, which the Realtime server then delivers), broadcast_changes() (for
--   triggers), topic() (for policies), and the filter helpers of Postgres Changes
--   (check_equality_op(), cast(), is_visible_through_filters(), subscription_check_filters(), ...).
-- Why: projects add their tables to supabase_realtime, write Broadcast policies on
--   realtime.messages with realtime.topic(), call realtime.send() and realtime.broadcast_changes()
--   from triggers, and a pgTAP test can assert the rows they leave in realtime.messages.
-- As on the platform, send() never fails its caller: whatever stops the insert (a policy, a
--   missing partition) becomes the warning "WarnSendingBroadcastMessage: <error>".
-- Different: on the platform the Realtime server adds a partition of realtime.messages for each
--   day; here one default partition, realtime.messages_default, takes every row (the same
--   statements work). apply_rls() and list_changes(), which the Realtime server runs on its
--   replication slot, are not provided.
-- Owned as on the platform: the schema and realtime.schema_migrations by supabase_admin, the rest
--   by supabase_realtime_admin. Each section sets its own owner and grants: there is no
--   "owner" section here, since realtime.schema_migrations stays supabase_admin's.

-- @provide publication supabase_realtime
create publication supabase_realtime;
alter publication supabase_realtime owner to postgres;

-- @provide schema realtime
create schema realtime authorization supabase_admin;
grant usage on schema realtime to postgres with grant option;
grant usage on schema realtime to anon, authenticated, service_role;
grant all on schema realtime to supabase_realtime_admin with grant option;

-- @provide table realtime.schema_migrations
create table realtime.schema_migrations (
  version bigint not null,
  inserted_at timestamp(0) default now(),
  constraint schema_migrations_pkey primary key (version)
);
grant all on realtime.schema_migrations to dashboard_user;

-- @provide table realtime.messages
create table realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  binary_payload bytea,
  constraint messages_pkey primary key (id, inserted_at)
) partition by range (inserted_at);
alter table realtime.messages
  add constraint messages_payload_exclusive check (payload is null or binary_payload is null) not valid;
create index messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;
alter table realtime.messages enable row level security;
create table realtime.messages_default partition of realtime.messages default;
alter table realtime.messages_default enable row level security;
alter table realtime.messages owner to supabase_realtime_admin;
alter table realtime.messages_default owner to supabase_realtime_admin;
grant all on realtime.messages, realtime.messages_default to postgres, dashboard_user;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;

-- @provide table realtime.subscription
-- The types come first: the subscription's columns and the filter functions use them.
create type realtime.action as enum ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'ERROR');
create type realtime.equality_op as enum ('eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike',
                                          'is', 'match', 'imatch', 'isdistinct');
create type realtime.user_defined_filter as (column_name text, op realtime.equality_op, value text,
                                             negate boolean);
create type realtime.wal_column as (name text, type_name text, type_oid oid, value jsonb, is_pkey boolean,
                                    is_selectable boolean);
create type realtime.wal_rls as (wal jsonb, is_rls_enabled boolean, subscription_ids uuid[], errors text[]);
-- claims_role is generated from the claims: a cast to regrole is not immutable, this wrapper says it is
create function realtime.to_regrole(role_name text) returns regrole
  language sql immutable
  as $fn$ select role_name::regrole $fn$;
create table realtime.subscription (
  id bigint not null generated always as identity,
  subscription_id uuid not null,
  entity regclass not null,
  filters realtime.user_defined_filter[] not null default '{}',
  claims jsonb not null,
  claims_role regrole not null generated always as (realtime.to_regrole(claims ->> 'role')) stored,
  created_at timestamp not null default timezone('utc', now()),
  action_filter text default '*',
  selected_columns text[],
  constraint pk_subscription primary key (id),
  constraint subscription_action_filter_check check (action_filter in ('*', 'INSERT', 'UPDATE', 'DELETE'))
);
create index ix_realtime_subscription_entity on realtime.subscription using btree (entity);
-- the index name is PostgreSQL's 63-character cut of the name the platform asked for
create unique index subscription_subscription_id_entity_filters_action_filter_selec on realtime.subscription
  (subscription_id, entity, filters, action_filter, coalesce(selected_columns, '{}'));
alter type realtime.action owner to supabase_realtime_admin;
alter type realtime.equality_op owner to supabase_realtime_admin;
alter type realtime.user_defined_filter owner to supabase_realtime_admin;
alter type realtime.wal_column owner to supabase_realtime_admin;
alter type realtime.wal_rls owner to supabase_realtime_admin;
alter function realtime.to_regrole(text) owner to supabase_realtime_admin;
alter table realtime.subscription owner to supabase_realtime_admin;
grant execute on function realtime.to_regrole(text) to postgres, dashboard_user, anon, authenticated, service_role;
grant all on realtime.subscription, realtime.subscription_id_seq to postgres, dashboard_user;
grant select on realtime.subscription to anon, authenticated, service_role;
grant usage on realtime.subscription_id_seq to anon, authenticated, service_role;

-- @provide function realtime.topic()
-- The topic of the message a Broadcast policy is asked about (send() and the server set it).
create function realtime.topic() returns text
  language sql stable
  as $fn$ select nullif(current_setting('realtime.topic', true), '')::text $fn$;
alter function realtime.topic() owner to supabase_realtime_admin;
grant execute on function realtime.topic() to postgres, dashboard_user;

-- @provide function realtime.send(jsonb,text,text,boolean)
-- Broadcast from the database: one row in realtime.messages, which the Realtime server delivers.
-- The payload gets the message's id unless it has one; private messages pass the topic's
-- policies. A failure (a policy refusing the insert, ...) is a warning, never the caller's error.
create function realtime.send(payload jsonb, event text, topic text, private boolean default true) returns void
  language plpgsql
  as $fn$
  declare
    message_id uuid := gen_random_uuid();
  begin
    begin
      perform set_config('realtime.topic', topic, true);  -- what realtime.topic() says to policies
      insert into realtime.messages (id, payload, event, topic, private, extension)
      values (message_id,
              case when payload ? 'id' then payload else jsonb_set(payload, '{id}', to_jsonb(message_id)) end,
              event, topic, private, 'broadcast');
    exception when others then
      raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
    end;
  end
  $fn$;
alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;
grant execute on function realtime.send(jsonb, text, text, boolean) to postgres, dashboard_user;

-- @provide function realtime.send_binary(bytea,text,text,boolean)
create function realtime.send_binary(payload bytea, event text, topic text, private boolean default true)
  returns void
  language plpgsql
  as $fn$
  begin
    begin
      perform set_config('realtime.topic', topic, true);
      insert into realtime.messages (id, binary_payload, event, topic, private, extension)
      values (gen_random_uuid(), payload, event, topic, private, 'broadcast');
    exception when others then
      raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
    end;
  end
  $fn$;
alter function realtime.send_binary(bytea, text, text, boolean) owner to supabase_realtime_admin;
grant execute on function realtime.send_binary(bytea, text, text, boolean) to postgres, dashboard_user;

-- @provide function realtime.broadcast_changes(text,text,text,text,text,record,record,text)
-- For a row trigger: broadcasts {old_record, record, operation, table, schema} as a private message.
-- Unlike send(), its own errors (a statement trigger, an unknown operation) fail the statement.
create function realtime.broadcast_changes(topic_name text, event_name text, operation text, table_name text,
                                           table_schema text, new record, old record,
                                           level text default 'ROW') returns void
  language plpgsql
  as $fn$
  begin
    if level = 'STATEMENT' then
      raise exception 'function can only be triggered for each row, not for each statement';
    end if;
    if operation not in ('INSERT', 'UPDATE', 'DELETE') then
      raise exception 'Unexpected operation type: %', operation;
    end if;
    perform realtime.send(jsonb_build_object('old_record', old, 'record', new, 'operation', operation,
                                             'table', table_name, 'schema', table_schema),
                          event_name, topic_name);
  exception when others then
    raise exception 'Failed to process the row: %', sqlerrm;
  end
  $fn$;
alter function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  owner to supabase_realtime_admin;
grant execute on function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  to postgres, dashboard_user;

-- @provide function realtime.wal2json_escape_identifier(text)
-- wal2json's add-tables list escapes backslash, comma, dot and white space with a backslash
create function realtime.wal2json_escape_identifier(name text) returns text
  language sql immutable strict
  as $fn$ select regexp_replace(name, '([\\,.[:space:]])', '\\\1', 'g') $fn$;
alter function realtime.wal2json_escape_identifier(text) owner to supabase_realtime_admin;
grant execute on function realtime.wal2json_escape_identifier(text) to postgres, dashboard_user;

-- @provide function realtime.quote_wal2json(regclass)
create function realtime.quote_wal2json(entity regclass) returns text
  language sql immutable strict
  as $fn$
    select realtime.wal2json_escape_identifier(n.nspname::text) || '.'
           || realtime.wal2json_escape_identifier(c.relname::text)
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.oid = entity
  $fn$;
alter function realtime.quote_wal2json(regclass) owner to supabase_realtime_admin;
grant execute on function realtime.quote_wal2json(regclass)
  to postgres, dashboard_user, anon, authenticated, service_role;

-- @provide function realtime.cast(text,regtype)
-- A filter's text value as JSON of the column's type (bytea stays the text it was given).
create function realtime.cast(val text, type_ regtype) returns jsonb
  language plpgsql immutable
  as $fn$
  declare
    result jsonb;
  begin
    if type_ = 'bytea'::regtype then
      return to_jsonb(val);
    end if;
    execute format('select to_jsonb(%L::%s)', val, type_) into result;
    return result;
  end
  $fn$;
alter function realtime.cast(text, regtype) owner to supabase_realtime_admin;
grant execute on function realtime.cast(text, regtype)
  to postgres, dashboard_user, anon, authenticated, service_role;

-- @provide function realtime.check_equality_op(realtime.equality_op,regtype,text,text)
-- The first filter operators: val_1 op val_2, both read as type_ (val_2 as an array for 'in').
create function realtime.check_equality_op(op realtime.equality_op, type_ regtype, val_1 text, val_2 text)
  returns boolean
  language plpgsql immutable
  as $fn$
  declare
    result boolean;
    symbol text := case op when 'eq' then '=' when 'neq' then '!=' when 'lt' then '<' when 'lte' then '<='
                           when 'gt' then '>' when 'gte' then '>=' when 'in' then '= any' else 'UNKNOWN OP' end;
  begin
    execute format('select %L::%s %s (%L::%s)', val_1, type_, symbol, val_2,
                   case when op = 'in' then type_::text || '[]' else type_::text end) into result;
    return result;
  end
  $fn$;
alter function realtime.check_equality_op(realtime.equality_op, regtype, text, text)
  owner to supabase_realtime_admin;
grant execute on function realtime.check_equality_op(realtime.equality_op, regtype, text, text)
  to postgres, dashboard_user, anon, authenticated, service_role;

-- @provide function realtime.check_equality_op(realtime.equality_op,regtype,text,text,boolean)
-- Every filter operator, negate turning it around: is (null, true, false, unknown) and is distinct
-- from take their own syntax; like, ilike, match (~) and imatch (~*) compare as the column's type.
create function realtime.check_equality_op(op realtime.equality_op, type_ regtype, val_1 text, val_2 text,
                                           negate boolean) returns boolean
  language plpgsql stable
  as $fn$
  declare
    result boolean;
    symbol text;
  begin
    if op = 'isdistinct' then
      execute format('select %L::%2$s %s %L::%2$s', val_1, type_,
                     case when negate then 'is not distinct from' else 'is distinct from' end, val_2)
        into result;
      return result;
    elsif op = 'is' then
      if val_2 not in ('null', 'true', 'false', 'unknown') then
        raise exception 'invalid value for is filter: must be null, true, false, or unknown';
      end if;
      execute format('select %L::%s %s %s', val_1, type_, case when negate then 'is not' else 'is' end,
                     upper(val_2)) into result;
      return result;
    end if;
    symbol := case op when 'eq' then '=' when 'neq' then '!=' when 'lt' then '<' when 'lte' then '<='
                      when 'gt' then '>' when 'gte' then '>=' when 'in' then '= any' when 'like' then 'like'
                      when 'ilike' then 'ilike' when 'match' then '~' when 'imatch' then '~*' end;
    if symbol is null then
      raise exception 'unsupported equality operator: %', op::text;
    end if;
    execute format('select %L::%s %s (%L::%s)', val_1, type_, symbol, val_2,
                   case when op = 'in' then type_::text || '[]' else type_::text end) into result;
    return case when negate then not result else result end;
  end
  $fn$;
alter function realtime.check_equality_op(realtime.equality_op, regtype, text, text, boolean)
  owner to supabase_realtime_admin;
grant execute on function realtime.check_equality_op(realtime.equality_op, regtype, text, text, boolean)
  to postgres, dashboard_user, anon, authenticated, service_role;

-- @provide function realtime.is_visible_through_filters(realtime.wal_column[],realtime.user_defined_filter[])
-- True when the change's columns pass every filter (no filters: always); a filter on a column
-- the change lacks hides it.
create function realtime.is_visible_through_filters(columns realtime.wal_column[],
                                                    filters realtime.user_defined_filter[]) returns boolean
  language sql stable
  as $fn$
    select coalesce(array_length(filters, 1), 0) = 0
        or coalesce(bool_and(case when col.name is null then false
                                  else realtime.check_equality_op(f.op, coalesce(col.type_oid::regtype,
                                                                                 col.type_name::regtype),
                                                                  col.value #>> '{}', f.value,
                                                                  coalesce(f.negate, false)) end), false)
    from unnest(filters) f left join unnest(columns) col on col.name = f.column_name
  $fn$;
alter function realtime.is_visible_through_filters(realtime.wal_column[], realtime.user_defined_filter[])
  owner to supabase_realtime_admin;
grant execute on function realtime.is_visible_through_filters(realtime.wal_column[],
                                                              realtime.user_defined_filter[])
  to postgres, dashboard_user, anon, authenticated, service_role;

-- @provide function realtime.build_prepared_statement_sql(text,regclass,realtime.wal_column[])
-- The text of a prepared statement that asks whether entity still has the change's row (by its
-- primary key columns).
create function realtime.build_prepared_statement_sql(prepared_statement_name text, entity regclass,
                                                      columns realtime.wal_column[]) returns text
  language sql
  as $fn$
    select format('prepare %s as select exists(select 1 from %s where %s)', prepared_statement_name, entity,
                  string_agg(quote_ident(c.name) || '=' || quote_nullable(c.value #>> '{}'), ' and '))
    from unnest(columns) c
    where c.is_pkey
    group by entity
  $fn$;
alter function realtime.build_prepared_statement_sql(text, regclass, realtime.wal_column[])
  owner to supabase_realtime_admin;
grant execute on function realtime.build_prepared_statement_sql(text, regclass, realtime.wal_column[])
  to postgres, dashboard_user, anon, authenticated, service_role;

-- @provide function realtime.subscription_check_filters()
-- A subscription's filters and selected columns must name columns its role may read, with values
-- of the column's type (at most 100 for 'in'); filters are kept sorted so the unique index sees
-- one order.
create function realtime.subscription_check_filters() returns trigger
  language plpgsql
  as $fn$
  declare
    readable text[] := coalesce(
      (select array_agg(a.attname::text order by a.attnum) from pg_catalog.pg_attribute a
       where a.attrelid = new.entity and a.attnum > 0 and not a.attisdropped
         and pg_catalog.has_column_privilege(new.claims ->> 'role', a.attrelid, a.attnum, 'SELECT')), '{}');
    f realtime.user_defined_filter;
    col_type regtype;
    selected text;
  begin
    foreach f in array new.filters loop
      if not f.column_name = any(readable) then
        raise exception 'invalid column for filter %', f.column_name;
      end if;
      col_type := (select a.atttypid::regtype from pg_catalog.pg_attribute a
                   where a.attrelid = new.entity and a.attname = f.column_name);
      if f.op = 'in' then
        if coalesce(jsonb_array_length(realtime.cast(f.value, (col_type::text || '[]')::regtype)), 0) > 100 then
          raise exception 'too many values for `in` filter. Maximum 100';
        end if;
      elsif f.op = 'is' then
        if f.value not in ('null', 'true', 'false', 'unknown') then
          raise exception 'invalid value for is filter: must be null, true, false, or unknown';
        end if;
        if f.value <> 'null' and col_type <> 'boolean'::regtype then
          raise exception 'is % filter requires a boolean column, got %', f.value, col_type::text;
        end if;
      elsif f.op in ('like', 'ilike', 'match', 'imatch') then
        if not exists (select from pg_catalog.pg_operator
                       where oprname = case f.op when 'like' then '~~' when 'ilike' then '~~'
                                                 when 'match' then '~' else '~*' end
                         and oprleft = col_type
                         and (f.op in ('like', 'ilike')
                              or (oprright = col_type and oprresult = 'boolean'::regtype))) then
          raise exception 'operator % requires a text-compatible column type, got %', f.op::text, col_type::text;
        end if;
        if f.op in ('match', 'imatch') then
          begin
            perform '' ~ f.value;
          exception when others then
            raise exception 'invalid regular expression for % filter: %', f.op::text, sqlerrm;
          end;
        end if;
      else
        perform realtime.cast(f.value, col_type);
      end if;
    end loop;
    foreach selected in array coalesce(new.selected_columns, '{}') loop
      if not selected = any(readable) then
        raise exception 'invalid column for select %', selected;
      end if;
    end loop;
    new.filters := coalesce((select array_agg(x order by x.column_name, x.op, x.value, x.negate)
                             from unnest(new.filters) x), '{}');
    new.selected_columns := (select array_agg(c order by c) from unnest(new.selected_columns) c);
    return new;
  end
  $fn$;
alter function realtime.subscription_check_filters() owner to supabase_realtime_admin;
grant execute on function realtime.subscription_check_filters()
  to postgres, dashboard_user, anon, authenticated, service_role;
create trigger tr_check_filters before insert or update on realtime.subscription
  for each row execute function realtime.subscription_check_filters();

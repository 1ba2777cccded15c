-- The storage schema of Supabase Storage as a new project has it, after all of its migrations.
--
-- What: storage.buckets (public, file_size_limit, allowed_mime_types, owner_id, type,
--   versioning_status), storage.objects (owner_id, version, user_metadata, path_tokens, the
--   versioning columns), storage.migrations, storage.s3_multipart_uploads[_parts], the analytics
--   and vector bucket tables, the enum storage.buckettype; the functions projects call
--   (foldername(), filename(), extension(), get_size_by_bucket(), search(),
--   list_objects_with_delimiter(), operation(), allow_only_operation(), allow_any_operation(),
--   can_insert_object(), get_common_prefix(), and the Storage API's search_v2(),
--   search_by_timestamp() and list_multipart_uploads_with_delimiter()) and the triggers:
--   updated_at kept, bucket names of at most 100 characters, no direct delete from buckets or
--   objects.
-- Why: projects create buckets (insert into storage.buckets) and policies on storage.objects that
--   read storage.foldername(name), owner_id or storage.allow_only_operation(); a test that deletes
--   from storage.objects fails on the platform (the Storage API deletes, with
--   storage.allow_delete_query set) and must fail here.
-- Owned as on the platform: the schema by supabase_admin, the rest by supabase_storage_admin; RLS
--   on; the API roles hold every privilege on buckets and objects and RLS decides; postgres may
--   pass its privileges on buckets and objects on; storage.migrations is the service's alone.
--   postgres may create and drop policies and drop triggers on these tables although it does not
--   own them (Supabase's supautils policy_grants; see rules.py), but not alter them.
-- The listing functions return what the platform's return (folders as rows without an id, names
--   in byte order); they are written as plain queries, not for the platform's speed on large
--   buckets.

-- @provide schema storage
create schema storage authorization supabase_admin;
grant usage on schema storage to postgres with grant option;
grant usage on schema storage to anon, authenticated, service_role;
grant all on schema storage to supabase_storage_admin, dashboard_user;

-- @provide table storage.buckets
create type storage.buckettype as enum ('STANDARD', 'ANALYTICS', 'VECTOR');
create table storage.buckets (
  id text not null,
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text,
  type storage.buckettype not null default 'STANDARD',
  versioning_status text not null default 'DISABLED',
  constraint buckets_pkey primary key (id),
  constraint buckets_versioning_status_check check (versioning_status in ('DISABLED', 'ENABLED', 'SUSPENDED')),
  constraint buckets_versioning_standard_only_check check (type = 'STANDARD' or versioning_status = 'DISABLED'),
  -- versioning is not yet offered: every bucket keeps it disabled
  constraint buckets_versioning_dark_check check (versioning_status = 'DISABLED')
);
create unique index bname on storage.buckets using btree (name);
comment on column storage.buckets.owner is 'Field is deprecated, use owner_id instead';
alter table storage.buckets enable row level security;

-- @provide table storage.objects
create table storage.objects (
  id uuid not null default gen_random_uuid(),
  bucket_id text,
  name text,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  owner_id text,
  user_metadata jsonb,
  archived_at timestamptz,
  is_delete_marker boolean not null default false,
  is_versioned boolean not null default false,
  constraint objects_pkey primary key (id),
  constraint "objects_bucketId_fkey" foreign key (bucket_id) references storage.buckets (id)
);
create unique index bucketid_objname on storage.objects using btree (bucket_id, name);
create index name_prefix_search on storage.objects using btree (name text_pattern_ops);
create index idx_objects_bucket_id_name on storage.objects using btree (bucket_id, name collate "C");
create index idx_objects_bucket_id_name_lower on storage.objects using btree (bucket_id, lower(name) collate "C");
comment on column storage.objects.owner is 'Field is deprecated, use owner_id instead';
alter table storage.objects enable row level security;

-- @provide table storage.migrations
create table storage.migrations (
  id integer not null,
  name varchar(100) not null,
  hash varchar(40) not null,
  executed_at timestamp default current_timestamp,
  constraint migrations_pkey primary key (id),
  constraint migrations_name_key unique (name)
);
alter table storage.migrations enable row level security;

-- @provide table storage.s3_multipart_uploads
create table storage.s3_multipart_uploads (
  id text not null,
  in_progress_size bigint not null default 0,
  upload_signature text not null,
  bucket_id text not null,
  key text collate "C" not null,
  version text not null,
  owner_id text,
  created_at timestamptz not null default now(),
  user_metadata jsonb,
  metadata jsonb,
  constraint s3_multipart_uploads_pkey primary key (id),
  constraint s3_multipart_uploads_bucket_id_fkey foreign key (bucket_id) references storage.buckets (id)
);
create index idx_multipart_uploads_list on storage.s3_multipart_uploads (bucket_id, key, created_at);
alter table storage.s3_multipart_uploads enable row level security;

-- @provide table storage.s3_multipart_uploads_parts
create table storage.s3_multipart_uploads_parts (
  id uuid not null default gen_random_uuid(),
  upload_id text not null,
  size bigint not null default 0,
  part_number integer not null,
  bucket_id text not null,
  key text collate "C" not null,
  etag text not null,
  owner_id text,
  version text not null,
  created_at timestamptz not null default now(),
  constraint s3_multipart_uploads_parts_pkey primary key (id),
  constraint s3_multipart_uploads_parts_upload_id_fkey foreign key (upload_id)
    references storage.s3_multipart_uploads (id) on delete cascade,
  constraint s3_multipart_uploads_parts_bucket_id_fkey foreign key (bucket_id) references storage.buckets (id)
);
alter table storage.s3_multipart_uploads_parts enable row level security;

-- @provide table storage.buckets_analytics
create table storage.buckets_analytics (
  name text not null,
  type storage.buckettype not null default 'ANALYTICS',
  format text not null default 'ICEBERG',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  id uuid not null default gen_random_uuid(),
  deleted_at timestamptz,
  constraint buckets_analytics_pkey primary key (id)
);
create unique index buckets_analytics_unique_name_idx on storage.buckets_analytics (name)
  where deleted_at is null;
alter table storage.buckets_analytics enable row level security;

-- @provide table storage.buckets_vectors
create table storage.buckets_vectors (
  id text not null,
  type storage.buckettype not null default 'VECTOR',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint buckets_vectors_pkey primary key (id)
);
alter table storage.buckets_vectors enable row level security;

-- @provide table storage.vector_indexes
create table storage.vector_indexes (
  id text not null default gen_random_uuid(),
  name text collate "C" not null,
  bucket_id text not null,
  data_type text not null,
  dimension integer not null,
  distance_metric text not null,
  metadata_configuration jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint vector_indexes_pkey primary key (id),
  constraint vector_indexes_bucket_id_fkey foreign key (bucket_id) references storage.buckets_vectors (id)
);
create unique index vector_indexes_name_bucket_id_idx on storage.vector_indexes (name, bucket_id);
alter table storage.vector_indexes enable row level security;

-- @provide function storage.foldername(text)
-- 'a/b/c.png' -> {a,b}: every path segment but the file's name
create function storage.foldername(name text) returns text[]
  language plpgsql immutable
  as $fn$
  declare
    segments text[] := string_to_array(name, '/');
  begin
    return segments[1:array_length(segments, 1) - 1];
  end
  $fn$;

-- @provide function storage.filename(text)
create function storage.filename(name text) returns text
  language plpgsql immutable
  as $fn$
  declare
    segments text[] := string_to_array(name, '/');
  begin
    return segments[array_length(segments, 1)];
  end
  $fn$;

-- @provide function storage.extension(text)
-- what follows the last dot of the file's name (the whole name when it has no dot)
create function storage.extension(name text) returns text
  language plpgsql immutable
  as $fn$
  declare
    segments text[] := string_to_array(name, '/');
  begin
    return reverse(split_part(reverse(segments[array_length(segments, 1)]), '.', 1));
  end
  $fn$;

-- @provide function storage.get_size_by_bucket()
create function storage.get_size_by_bucket() returns table (size bigint, bucket_id text)
  language plpgsql stable
  as $fn$
  begin
    return query
      select sum((o.metadata ->> 'size')::bigint)::bigint, o.bucket_id
      from storage.objects as o
      group by o.bucket_id;
  end
  $fn$;

-- @provide function storage.operation()
-- The Storage API names what it is doing (storage.operation = 'storage.object.upload', ...).
create function storage.operation() returns text
  language plpgsql stable
  as $fn$
  begin
    return current_setting('storage.operation', true);
  end
  $fn$;

-- @provide function storage.allow_only_operation(text)
-- For policies: true when the current operation is expected_operation ('storage.' prefix optional).
create function storage.allow_only_operation(expected_operation text) returns boolean
  language sql stable
  as $fn$
    select case
      when coalesce(expected_operation, '') = '' then false
      else coalesce(regexp_replace(storage.operation(), '^storage\.', '')
                    = regexp_replace(expected_operation, '^storage\.', ''), false)
    end
  $fn$;

-- @provide function storage.allow_any_operation(text[])
create function storage.allow_any_operation(expected_operations text[]) returns boolean
  language sql stable
  as $fn$
    select exists (
      select from unnest(expected_operations) as expected
      where coalesce(expected, '') <> ''
        and regexp_replace(storage.operation(), '^storage\.', '') = regexp_replace(expected, '^storage\.', ''))
  $fn$;

-- @provide function storage.can_insert_object(text,text,uuid,jsonb)
-- The Storage API asks whether RLS lets a row in: the insert is tried, then undone by the error
-- PT200 (ROLLBACK) when it succeeded; a refusal raises the policy's own error.
create function storage.can_insert_object(bucketid text, name text, owner uuid, metadata jsonb) returns void
  language plpgsql
  as $fn$
  begin
    insert into storage.objects (bucket_id, name, owner, metadata) values (bucketid, name, owner, metadata);
    raise sqlstate 'PT200' using message = 'ROLLBACK', detail = 'rollback successful insert';
  end
  $fn$;

-- @provide function storage.get_common_prefix(text,text,text)
-- The "folder" of p_key just below p_prefix, delimiter included ('a/b/c', 'a/', '/' -> 'a/b/'),
-- or null when p_key is a file directly under p_prefix.
create function storage.get_common_prefix(p_key text, p_prefix text, p_delimiter text) returns text
  language sql immutable
  as $fn$
    select case
      when strpos(substr(p_key, length(p_prefix) + 1), p_delimiter) > 0
      then left(p_key, length(p_prefix) + strpos(substr(p_key, length(p_prefix) + 1), p_delimiter))
    end
  $fn$;

-- @provide function storage.list_objects_with_delimiter(text,text,text,integer,text,text,text)
-- S3's ListObjectsV2: the files directly under prefix_param and one row per folder below it (its
-- name without the trailing delimiter, no id), in byte order, from the cursor on (next_token,
-- else start_after): ascending, the names after it, a folder named as the cursor skipped whole;
-- descending, the names before it.
create function storage.list_objects_with_delimiter(
    _bucket_id text, prefix_param text, delimiter_param text, max_keys integer default 100,
    start_after text default '', next_token text default '', sort_order text default 'asc')
  returns table (name text, id uuid, metadata jsonb, updated_at timestamptz, created_at timestamptz,
                 last_accessed_at timestamptz)
  language plpgsql stable
  as $fn$
  declare
    ascending boolean := lower(coalesce(sort_order, 'asc')) = 'asc';
    cursor_key text := coalesce(nullif(next_token, ''), start_after, '');
    prefix text := coalesce(prefix_param, '');
    seek text;  -- the first name listed (ascending) or the name listed up to (descending)
  begin
    if cursor_key = '' then
      seek := case when ascending then prefix end;
    elsif exists (select from storage.objects o where o.bucket_id = _bucket_id
                  and o.name collate "C" like cursor_key || delimiter_param || '%') then
      seek := cursor_key || case when ascending then chr(ascii(delimiter_param) + 1) else delimiter_param end;
    else
      seek := cursor_key || case when ascending then delimiter_param else '' end;
    end if;
    return query
      with entries as (
        select coalesce(storage.get_common_prefix(o.name, prefix, delimiter_param), o.name) as entry_key,
               storage.get_common_prefix(o.name, prefix, delimiter_param) is not null as is_folder, o.*
        from storage.objects o
        where o.bucket_id = _bucket_id and left(o.name, length(prefix)) = prefix
          and (seek is null or (ascending and o.name collate "C" >= seek collate "C")
               or (not ascending and o.name collate "C" < seek collate "C"))
      ), listed as (
        select distinct on (e.entry_key collate "C") e.* from entries e order by e.entry_key collate "C"
      )
      select case when l.is_folder then rtrim(l.entry_key, delimiter_param) else l.name end,
             case when l.is_folder then null else l.id end,
             case when l.is_folder then null else l.metadata end,
             case when l.is_folder then null else l.updated_at end,
             case when l.is_folder then null else l.created_at end,
             case when l.is_folder then null else l.last_accessed_at end
      from listed l
      order by case when ascending then l.entry_key end collate "C" asc,
               case when not ascending then l.entry_key end collate "C" desc
      limit max_keys;
  end
  $fn$;

-- @provide function storage.search(text,text,integer,integer,integer,text,text,text)
-- What storage-js list() calls: the entries directly under prefix || search (case-insensitive),
-- named relative to prefix, folders as rows without an id. By name: files and folders in one
-- case-insensitive byte order; by updated_at, created_at or last_accessed_at: the folders (by
-- name) before the files. Then offsets and limits (at most 1500).
create function storage.search(
    prefix text, bucketname text, limits integer default 100, levels integer default 1,
    offsets integer default 0, search text default '', sortcolumn text default 'name',
    sortorder text default 'asc')
  returns table (name text, id uuid, updated_at timestamptz, created_at timestamptz,
                 last_accessed_at timestamptz, metadata jsonb)
  language plpgsql stable
  as $fn$
  declare
    sort_key text := case lower(coalesce(sortcolumn, 'name'))
                       when 'updated_at' then 'updated_at' when 'created_at' then 'created_at'
                       when 'last_accessed_at' then 'last_accessed_at' else 'name' end;
    direction text := case when lower(coalesce(sortorder, 'asc')) = 'asc' then 'asc' else 'desc' end;
    base text := coalesce(prefix, '');
    wanted text := coalesce(prefix, '') || coalesce(search, '');
    first_level integer := coalesce(array_length(string_to_array(coalesce(prefix, ''), '/'), 1), 1);
    last_level integer := coalesce(array_length(string_to_array(wanted, '/'), 1), 1);
    page integer := least(coalesce(limits, 100), 1500);
  begin
    if sort_key = 'name' then
      return query execute format(
        $q$
        with entries as (
          select coalesce(storage.get_common_prefix(lower(o.name), lower($2), '/'), lower(o.name)) as entry_key,
                 storage.get_common_prefix(o.name, $2, '/') as folder, o.*
          from storage.objects o
          where o.bucket_id = $1 and left(lower(o.name), length($2)) = lower($2)
        ), listed as (
          select distinct on (e.entry_key collate "C") e.* from entries e
          order by e.entry_key collate "C", lower(e.name) collate "C"
        )
        select substr(coalesce(rtrim(l.folder, '/'), l.name), length($3) + 1),
               case when l.folder is null then l.id end, case when l.folder is null then l.updated_at end,
               case when l.folder is null then l.created_at end,
               case when l.folder is null then l.last_accessed_at end,
               case when l.folder is null then l.metadata end
        from listed l order by l.entry_key collate "C" %s offset $4 limit $5
        $q$, direction)
        using bucketname, wanted, base, offsets, page;
    else
      return query execute format(
        $q$
        with matched as (
          select o.* from storage.objects o where o.bucket_id = $1 and o.name ilike $2 || '%%'
        )
        (select f.folder, null::uuid, null::timestamptz, null::timestamptz, null::timestamptz, null::jsonb
         from (select distinct array_to_string(m.path_tokens[$3:$4], '/') as folder from matched m
               where array_length(m.path_tokens, 1) <> $4) f
         order by f.folder %1$s)
        union all
        (select array_to_string(m.path_tokens[$3:$4], '/'), m.id, m.updated_at, m.created_at,
                m.last_accessed_at, m.metadata
         from matched m where array_length(m.path_tokens, 1) = $4 order by m.%2$I %1$s)
        limit $5 offset $6
        $q$, direction, sort_key)
        using bucketname, wanted, first_level, last_level, page, offsets;
    end if;
  end
  $fn$;

-- @provide function storage.search_by_timestamp(text,text,integer,integer,text,text,text,text)
-- The Storage API's list v2 sorted by a timestamp: the files directly under p_prefix and its
-- folders (a folder's created_at and updated_at are its oldest object's created_at), ordered by
-- p_sort_column (to the millisecond, no value first as the epoch) and then name, after the cursor
-- (p_sort_column_after, p_start_after); key is the name's p_level-th segment.
create function storage.search_by_timestamp(p_prefix text, p_bucket_id text, p_limit integer, p_level integer,
                                            p_start_after text, p_sort_order text, p_sort_column text,
                                            p_sort_column_after text)
  returns table (key text, name text, id uuid, updated_at timestamptz, created_at timestamptz,
                 last_accessed_at timestamptz, metadata jsonb)
  language plpgsql stable
  as $fn$
  begin
    return query execute format(
      $q$
      with matched as (
        select o.*, storage.get_common_prefix(o.name, $1, '/') as folder from storage.objects o
        where o.bucket_id = $2 and o.name collate "C" like $1 || '%%'
      ), entries as (
        select rtrim(m.folder, '/') as name, null::uuid as id, min(m.created_at) as updated_at,
               min(m.created_at) as created_at, null::timestamptz as last_accessed_at, null::jsonb as metadata
        from matched m where m.folder is not null group by m.folder
        union all
        select m.name, m.id, m.updated_at, m.created_at, m.last_accessed_at, m.metadata
        from matched m where m.folder is null
      )
      select split_part(e.name, '/', $3), e.name, e.id, e.updated_at, e.created_at, e.last_accessed_at, e.metadata
      from entries e
      where $5 = '' or (date_trunc('milliseconds', e.%1$I), e.name collate "C")
                       %2$s (coalesce(nullif($6, '')::timestamptz, 'epoch'::timestamptz), $5)
      order by coalesce(date_trunc('milliseconds', e.%1$I), 'epoch'::timestamptz) %3$s, e.name collate "C" %3$s
      limit $4
      $q$, p_sort_column, case when p_sort_order = 'asc' then '>' else '<' end, p_sort_order)
      using coalesce(p_prefix, ''), p_bucket_id, p_level, p_limit, p_start_after, p_sort_column_after;
  end
  $fn$;

-- @provide function storage.search_v2(text,text,integer,integer,text,text,text,text)
-- The Storage API's list v2: by name, list_objects_with_delimiter(); by created_at or
-- updated_at, search_by_timestamp(); at most 1500 rows.
create function storage.search_v2(prefix text, bucket_name text, limits integer default 100,
                                  levels integer default 1, start_after text default '',
                                  sort_order text default 'asc', sort_column text default 'name',
                                  sort_column_after text default '')
  returns table (key text, name text, id uuid, updated_at timestamptz, created_at timestamptz,
                 last_accessed_at timestamptz, metadata jsonb)
  language plpgsql stable
  as $fn$
  declare
    page integer := least(coalesce(limits, 100), 1500);
    direction text := case when lower(coalesce(sort_order, 'asc')) = 'desc' then 'desc' else 'asc' end;
    by_column text := case when lower(coalesce(sort_column, 'name')) in ('updated_at', 'created_at')
                           then lower(sort_column) else 'name' end;
  begin
    if by_column = 'name' then
      return query
        select split_part(l.name, '/', levels), l.name, l.id, l.updated_at, l.created_at, l.last_accessed_at,
               l.metadata
        from storage.list_objects_with_delimiter(bucket_name, coalesce(prefix, ''), '/', page, start_after, '',
                                                 direction) l;
    else
      return query select * from storage.search_by_timestamp(prefix, bucket_name, page, levels, start_after,
                                                             direction, by_column, sort_column_after);
    end if;
  end
  $fn$;

-- @provide function storage.list_multipart_uploads_with_delimiter(text,text,text,integer,text,text)
-- S3's ListMultipartUploads: the uploads under prefix_param (case-insensitive), those below a
-- delimiter folded into their folder (one row, its oldest upload's id), in byte order of key,
-- after next_key_token, or after the upload next_upload_token.
create function storage.list_multipart_uploads_with_delimiter(bucket_id text, prefix_param text,
                                                              delimiter_param text, max_keys integer default 100,
                                                              next_key_token text default '',
                                                              next_upload_token text default '')
  returns table (key text, id text, created_at timestamptz)
  language plpgsql
  as $fn$
  begin
    return query
      select distinct on (e.key collate "C") e.key, e.id, e.created_at
      from (select coalesce(storage.get_common_prefix(u.key, prefix_param, delimiter_param), u.key) as key,
                   u.id, u.created_at
            from storage.s3_multipart_uploads u
            where u.bucket_id = list_multipart_uploads_with_delimiter.bucket_id
              and u.key ilike prefix_param || '%') e
      where (next_upload_token <> '' or next_key_token = '' or e.key collate "C" > next_key_token)
        and (next_upload_token = '' or e.id collate "C" > next_upload_token)
      order by e.key collate "C", e.created_at
      limit max_keys;
  end
  $fn$;

-- @provide function storage.update_updated_at_column()
create function storage.update_updated_at_column() returns trigger
  language plpgsql
  as $fn$
  begin
    new.updated_at = now();
    return new;
  end
  $fn$;
create trigger update_objects_updated_at before update on storage.objects
  for each row execute function storage.update_updated_at_column();

-- @provide function storage.enforce_bucket_name_length()
create function storage.enforce_bucket_name_length() returns trigger
  language plpgsql
  as $fn$
  begin
    if length(new.name) > 100 then
      raise exception 'bucket name "%" is too long (% characters). Max is 100.', new.name, length(new.name);
    end if;
    return new;
  end
  $fn$;
create trigger enforce_bucket_name_length_trigger before insert or update of name on storage.buckets
  for each row execute function storage.enforce_bucket_name_length();

-- @provide function storage.protect_delete()
-- Deleting rows of buckets or objects directly would orphan the files: only the Storage API
-- deletes, with storage.allow_delete_query = 'true' for its transaction.
create function storage.protect_delete() returns trigger
  language plpgsql
  as $fn$
  begin
    if coalesce(current_setting('storage.allow_delete_query', true), 'false') <> 'true' then
      raise exception 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
        using hint = 'This prevents accidental data loss from orphaned objects.', errcode = '42501';
    end if;
    return null;
  end
  $fn$;
create trigger protect_buckets_delete before delete on storage.buckets
  for each statement execute function storage.protect_delete();
create trigger protect_objects_delete before delete on storage.objects
  for each statement execute function storage.protect_delete();

-- @provide owner storage supabase_storage_admin
select pg_temp.hand_over('storage', 'supabase_storage_admin');
grant all on storage.buckets, storage.objects to postgres with grant option;
grant all on storage.buckets, storage.objects, storage.buckets_analytics to anon, authenticated, service_role;
grant select on storage.buckets_vectors, storage.vector_indexes to anon, authenticated, service_role;
grant select on storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts to anon, authenticated;
grant all on storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts to service_role;
grant execute on function storage.foldername(text), storage.filename(text), storage.extension(text)
  to postgres, anon, authenticated, service_role, dashboard_user;

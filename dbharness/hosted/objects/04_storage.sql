-- The storage schema of Supabase Storage as migrations meet it.
--
-- What: storage.buckets, storage.objects (with path_tokens), storage.migrations, the path helpers
--   storage.foldername(), storage.filename(), storage.extension() and
--   storage.get_size_by_bucket(), and the trigger that keeps objects.updated_at.
-- Why: projects create buckets (insert into storage.buckets) and policies on storage.objects
--   that read storage.foldername(name).
-- Owned as on the platform: the schema by supabase_admin, the rest by supabase_storage_admin;
--   RLS on; the API roles and postgres hold every table privilege and RLS decides. postgres may
--   create and drop policies and drop triggers on these tables although it does not own them
--   (Supabase's supautils policy_grants; see platform.py), but not alter them.

-- @provide schema storage
create schema storage authorization supabase_admin;
grant usage on schema storage to postgres with grant option;
grant usage on schema storage to anon, authenticated, service_role, dashboard_user;
grant all on schema storage to supabase_storage_admin;

-- @provide table storage.buckets
create table storage.buckets (
  id text not null primary key,
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text
);
create unique index bname on storage.buckets using btree (name);
comment on column storage.buckets.owner is 'Field is deprecated, use owner_id instead';
alter table storage.buckets enable row level security;

-- @provide table storage.objects
create table storage.objects (
  id uuid not null default gen_random_uuid() primary key,
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
  constraint "objects_bucketId_fkey" foreign key (bucket_id) references storage.buckets (id)
);
create unique index bucketid_objname on storage.objects using btree (bucket_id, name);
create index name_prefix_search on storage.objects using btree (name text_pattern_ops);
comment on column storage.objects.owner is 'Field is deprecated, use owner_id instead';
alter table storage.objects enable row level security;

-- @provide table storage.migrations
create table storage.migrations (
  id integer not null primary key,
  name varchar(100) not null unique,
  hash varchar(40) not null,
  executed_at timestamp default current_timestamp
);
alter table storage.migrations enable row level security;

-- @provide function storage.foldername(text)
create function storage.foldername(name text) returns text[]
  language plpgsql
  as $fn$
  declare
    _parts text[];
  begin
    select string_to_array(name, '/') into _parts;
    return _parts[1:array_length(_parts, 1) - 1];
  end
  $fn$;

-- @provide function storage.filename(text)
create function storage.filename(name text) returns text
  language plpgsql
  as $fn$
  declare
    _parts text[];
  begin
    select string_to_array(name, '/') into _parts;
    return _parts[array_length(_parts, 1)];
  end
  $fn$;

-- @provide function storage.extension(text)
create function storage.extension(name text) returns text
  language plpgsql
  as $fn$
  declare
    _parts text[];
    _filename text;
  begin
    select string_to_array(name, '/') into _parts;
    select _parts[array_length(_parts, 1)] into _filename;
    return reverse(split_part(reverse(_filename), '.', 1));
  end
  $fn$;

-- @provide function storage.get_size_by_bucket()
create function storage.get_size_by_bucket() returns table (size bigint, bucket_id text)
  language plpgsql
  as $fn$
  begin
    return query
      select sum((metadata ->> 'size')::int)::bigint as size, obj.bucket_id
      from storage.objects as obj
      group by obj.bucket_id;
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

-- @provide owner storage supabase_storage_admin
select pg_temp.hand_over('storage', 'supabase_storage_admin');
grant all on all tables in schema storage to postgres with grant option;
grant all on all tables in schema storage to anon, authenticated, service_role, dashboard_user;
grant all on all sequences in schema storage to postgres, anon, authenticated, service_role;
grant execute on all functions in schema storage to postgres, anon, authenticated, service_role;
revoke all on storage.migrations from anon, authenticated;

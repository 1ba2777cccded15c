-- What real migrations write: the platform's allowances used inside PL/pgSQL, a PostgREST
-- setting on a role, and a foreign key to Vault.
-- Each statement here is one Supabase accepts for postgres; dbharness_rules must accept it too,
-- wherever it runs.

-- A policy on storage.objects, only where Storage exists (a project that may run without it).
do $$
begin
  if exists (select from pg_catalog.pg_tables where schemaname = 'storage' and tablename = 'objects') then
    create policy "Read own files" on storage.objects for select to authenticated
      using (owner = (select auth.uid()));
  end if;
end
$$;

-- An extension created by a procedure the project calls.
create procedure public.enable_trigram() language plpgsql as $$
begin
  create extension if not exists pg_trgm with schema extensions;
end
$$;
call public.enable_trigram();

-- PostgREST's pre-request hook, as set on the platform.
create function public.check_request() returns void language plpgsql as $$ begin end $$;
alter role authenticator set pgrst.db_pre_request = 'public.check_request';

-- Integrations whose API key is a Vault secret.
create table public.integrations (
  id bigint generated always as identity primary key,
  secret_id uuid not null references vault.secrets (id) on delete cascade
);
alter table public.integrations enable row level security;
create index integrations_secret_id_idx on public.integrations (secret_id);

-- supabase_vault, offline (dbharness): Supabase Vault's interface, encrypted with pgcrypto.
--
-- What: vault.secrets (the secret column holds ciphertext only), vault.decrypted_secrets (the
--   view that decrypts), vault.create_secret() and vault.update_secret() with Vault's
--   signatures. The key is made at creation and kept in a file of the server's data directory
--   (dbharness_vault_<database oid>.key), which only a superuser can read: postgres holds
--   pg_read_all_data on Supabase, so no table could hide it.
-- Why: migrations store webhook and API keys with vault.create_secret() and functions read them
--   from vault.decrypted_secrets; they must work on the harness's throwaway server.
-- Not Supabase's code: the real Vault derives its key from a server key file with libsodium.

\echo Use "CREATE EXTENSION supabase_vault" to load this file. \quit

do $key$
begin
  -- COPY wants an absolute path; reads are relative, so a copied data directory keeps its keys
  execute format('copy (select encode(gen_random_bytes(32), %L)) to %L', 'hex',
                 current_setting('data_directory') || '/dbharness_vault_'
                 || (select oid from pg_catalog.pg_database where datname = current_database()) || '.key');
end
$key$;

create function vault._root_key() returns text
  language sql stable security definer
  as $fn$
    select trim(pg_catalog.pg_read_file('dbharness_vault_' || (select oid from pg_catalog.pg_database
                                        where datname = current_database()) || '.key'), E'\n')
  $fn$;

create table vault.secrets (
  id uuid not null default gen_random_uuid() primary key,
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea default gen_random_bytes(16),
  created_at timestamptz not null default current_timestamp,
  updated_at timestamptz not null default current_timestamp
);
create unique index secrets_name_idx on vault.secrets (name) where name is not null;
comment on table vault.secrets is
  'Table with encrypted `secret` column for storing sensitive information on disk.';

create function vault._encrypt(plain text) returns text
  language sql volatile security definer
  as $fn$
    select encode(pgp_sym_encrypt(plain, vault._root_key()), 'base64')
  $fn$;

create function vault._decrypt(cipher text) returns text
  language sql stable security definer
  as $fn$
    select pgp_sym_decrypt(decode(cipher, 'base64'), vault._root_key())
  $fn$;

create view vault.decrypted_secrets as
  select s.id, s.name, s.description, s.secret,
         vault._decrypt(s.secret) as decrypted_secret,
         s.key_id, s.nonce, s.created_at, s.updated_at
  from vault.secrets as s;

create function vault.create_secret(new_secret text, new_name text default null,
                                    new_description text default '',
                                    new_key_id uuid default null) returns uuid
  language plpgsql security definer
  as $fn$
  declare
    rec record;
  begin
    insert into vault.secrets (secret, name, description, key_id)
      values (vault._encrypt(new_secret), new_name, new_description, new_key_id)
      returning id into rec;
    return rec.id;
  end
  $fn$;

create function vault.update_secret(secret_id uuid, new_secret text default null,
                                    new_name text default null,
                                    new_description text default null,
                                    new_key_id uuid default null) returns void
  language plpgsql security definer
  as $fn$
  begin
    update vault.secrets s
      set secret = coalesce(vault._encrypt(new_secret), s.secret),
          name = coalesce(new_name, s.name),
          description = coalesce(new_description, s.description),
          key_id = coalesce(new_key_id, s.key_id),
          updated_at = current_timestamp
      where s.id = secret_id;
  end
  $fn$;

-- Resolve pgcrypto's schema now: the functions must not depend on the caller's search_path.
do $pin$
declare
  crypto text := (select extnamespace::regnamespace::text from pg_catalog.pg_extension
                  where extname = 'pgcrypto');
begin
  execute format('alter function vault._encrypt(text) set search_path = %s, pg_catalog', crypto);
  execute format('alter function vault._decrypt(text) set search_path = %s, pg_catalog', crypto);
  execute 'alter function vault._root_key() set search_path = pg_catalog';
  execute 'alter function vault.create_secret(text, text, text, uuid) set search_path = '''''
    ;
  execute 'alter function vault.update_secret(uuid, text, text, text, uuid) set search_path = '''''
    ;
  execute format('alter table vault.secrets alter column id set default %s.gen_random_uuid()', crypto);
  execute format('alter table vault.secrets alter column nonce set default %s.gen_random_bytes(16)',
                 crypto);
end
$pin$;

revoke all on all functions in schema vault from public;
-- No grants here, as in Supabase's own script: the platform's after-create step gives postgres
-- and service_role theirs (dbharness_after_create in the harness). decrypted_secrets calls
-- _decrypt with the privileges of whoever reads the view, as it calls _crypto_aead_det_decrypt
-- on the platform.

-- Supabase Vault, installed by default on every Supabase project.
--
-- What: the supabase_vault extension in schema vault. The local engine has the offline one that
--   `dbharness setup` installs (dbharness/extensions, encrypted with pgcrypto); the real image has
--   Supabase's.
-- Why: migrations call vault.create_secret() and read vault.decrypted_secrets, and projects
--   dumped from the platform say `create extension if not exists supabase_vault`.

-- @provide extension supabase_vault
create extension supabase_vault;
select pg_catalog.dbharness_after_create('supabase_vault');

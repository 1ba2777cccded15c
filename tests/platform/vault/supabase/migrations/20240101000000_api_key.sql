-- The mail provider's key lives in Vault; only a security definer function reads it.
select vault.create_secret('sk-test-123', 'mail_api_key', 'key of the mail provider');

create function public.mail_api_key() returns text
  language sql security definer set search_path = ''
  as $$ select decrypted_secret from vault.decrypted_secrets where name = 'mail_api_key' $$;
revoke execute on function public.mail_api_key() from public, anon, authenticated;

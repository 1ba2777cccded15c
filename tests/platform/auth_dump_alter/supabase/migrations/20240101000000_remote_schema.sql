-- What `supabase db diff` wrote against an older local auth schema: the column GoTrue dropped
-- since. Only GoTrue (supabase_auth_admin) may alter its tables, so this fails on the platform.
grant select on table "auth"."saml_relay_states" to "service_role";

alter table "auth"."saml_relay_states" drop column if exists "from_ip_address";

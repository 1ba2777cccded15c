-- The auth part of a schema pulled from a project (`supabase db pull` writes it so): a table
-- keyed to GoTrue's SSO providers, the caller's MFA factors, grants on GoTrue's newer
-- tables (postgres may pass on select of them) and a trigger on auth.users.
create table "public"."sso_tenants" (
    "id" uuid not null default gen_random_uuid(),
    "sso_provider_id" uuid not null,
    "name" text not null
);

alter table "public"."sso_tenants" enable row level security;

CREATE UNIQUE INDEX sso_tenants_pkey ON public.sso_tenants USING btree (id);

alter table "public"."sso_tenants" add constraint "sso_tenants_pkey" PRIMARY KEY using index "sso_tenants_pkey";

alter table "public"."sso_tenants" add constraint "sso_tenants_sso_provider_id_fkey" FOREIGN KEY (sso_provider_id) REFERENCES auth.sso_providers(id) ON DELETE CASCADE not valid;

alter table "public"."sso_tenants" validate constraint "sso_tenants_sso_provider_id_fkey";

create policy "Members read their tenant." on "public"."sso_tenants" as permissive for select to authenticated
  using ((sso_provider_id IN ( SELECT identities.provider_id::uuid AS provider_id
   FROM auth.identities
  WHERE ((identities.user_id = ( SELECT auth.uid() AS uid)) AND (identities.provider ~~ 'sso:%'::text)))));

CREATE OR REPLACE FUNCTION public.my_factors()
 RETURNS TABLE(id uuid, friendly_name text, factor_type auth.factor_type, status auth.factor_status)
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $function$
  select f.id, f.friendly_name, f.factor_type, f.status from auth.mfa_factors f
  where f.user_id = (select auth.uid())
$function$
;

revoke execute on function "public"."my_factors"() from "anon", "public";

grant select on table "auth"."mfa_factors" to "service_role";

grant select on table "auth"."saml_relay_states" to "service_role";

grant select on table "auth"."flow_state" to "service_role";

grant select on table "auth"."one_time_tokens" to "service_role";

set check_function_bodies = off;

CREATE OR REPLACE FUNCTION public.audit_sign_up()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
begin
  insert into public.sso_tenants (sso_provider_id, name)
  select p.id, new.email from auth.sso_providers p
  where new.raw_app_meta_data ->> 'provider' = 'sso:' || p.id::text;
  return new;
end;
$function$
;

CREATE TRIGGER on_sso_user_created AFTER INSERT ON auth.users FOR EACH ROW WHEN ((new.is_sso_user = true)) EXECUTE FUNCTION public.audit_sign_up();

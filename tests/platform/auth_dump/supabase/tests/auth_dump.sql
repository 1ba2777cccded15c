begin;
select plan(11);
select tables_are('auth', array[
  'users', 'identities', 'instances', 'sessions', 'refresh_tokens', 'audit_log_entries', 'schema_migrations',
  'flow_state', 'mfa_factors', 'mfa_challenges', 'mfa_amr_claims', 'sso_providers', 'sso_domains',
  'saml_providers', 'saml_relay_states', 'one_time_tokens', 'oauth_clients', 'oauth_authorizations',
  'oauth_consents', 'oauth_client_states', 'webauthn_credentials', 'webauthn_challenges',
  'custom_oauth_providers'], 'auth has the tables of a new project');
select enum_has_labels('auth', 'factor_type', array['totp', 'webauthn', 'phone'], 'factor types');
select col_type_is('auth', 'users', 'is_anonymous', 'boolean', 'users.is_anonymous');
select col_is_null('auth', 'saml_relay_states', 'flow_state_id', 'relay states point at a flow');
select table_privs_are('auth', 'saml_relay_states', 'service_role', array['SELECT'],
                       'service_role reads relay states, as the dump grants');
select trigger_is('auth', 'users', 'on_sso_user_created', 'public', 'audit_sign_up');

insert into auth.sso_providers (id, resource_id, created_at, updated_at)
values ('33333333-3333-4333-8333-333333333333', 'acme', now(), now());
insert into auth.users (id, email, is_sso_user, raw_app_meta_data)
values ('11111111-1111-4111-8111-111111111111', 'ada@acme.test', true,
        '{"provider": "sso:33333333-3333-4333-8333-333333333333"}');
select is((select name from public.sso_tenants), 'ada@acme.test', 'an SSO sign-up made its tenant row');

insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at)
values (gen_random_uuid(), '11111111-1111-4111-8111-111111111111', 'phone', 'totp', 'verified', now(), now());
set local role authenticated;
set local request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select results_eq($$select friendly_name, factor_type::text from public.my_factors()$$,
                  $$values ('phone', 'totp')$$, 'a user sees their own factors through my_factors()');
set local request.jwt.claims = '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select is_empty($$select * from public.my_factors()$$, 'and nobody else''s');
reset role;

select throws_ok($$insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to)
                   values (gen_random_uuid(), '11111111-1111-4111-8111-111111111111', 'recovery_token', '', 'x')$$,
                 '23514', null, 'a one-time token needs a hash');
select throws_ok($$insert into auth.sso_domains (id, sso_provider_id, domain)
                   values (gen_random_uuid(), '33333333-3333-4333-8333-333333333333', '')$$,
                 '23514', null, 'an SSO domain is not empty');
select * from finish();
rollback;

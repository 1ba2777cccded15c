begin;
select plan(1);
select has_table('auth', 'saml_relay_states', 'auth.saml_relay_states is there, as on a new project');
select * from finish();
rollback;

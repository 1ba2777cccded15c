-- A user made the way the dashboard does: auth.users, then its email identity.
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  recovery_sent_at, last_sign_in_at, raw_app_meta_data, raw_user_meta_data,
  created_at, updated_at, confirmation_token, email_change, email_change_token_new, recovery_token
) values (
  '00000000-0000-0000-0000-000000000000', '11111111-1111-4111-8111-111111111111',
  'authenticated', 'authenticated', 'ada@example.com', crypt('password123', gen_salt('bf')), now(),
  now(), now(), '{"provider": "email", "providers": ["email"]}', '{"full_name": "Ada Lovelace"}',
  now(), now(), '', '', '', ''
);
insert into auth.identities (id, user_id, provider_id, identity_data, provider, last_sign_in_at,
                             created_at, updated_at)
values (gen_random_uuid(), '11111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
        '{"sub": "11111111-1111-4111-8111-111111111111", "email": "ada@example.com"}', 'email',
        now(), now(), now());

-- Two users made the way the dashboard makes them; the trigger gives each a profile.
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values
  ('00000000-0000-0000-0000-000000000000', '11111111-1111-4111-8111-111111111111', 'authenticated',
   'authenticated', 'ada@example.com', crypt('password123', gen_salt('bf')), now(),
   '{"provider": "email"}', '{"handle": "ada"}', now(), now()),
  ('00000000-0000-0000-0000-000000000000', '22222222-2222-4222-8222-222222222222', 'authenticated',
   'authenticated', 'bob@example.com', crypt('password123', gen_salt('bf')), now(),
   '{"provider": "email"}', '{"handle": "bob"}', now(), now());
insert into auth.identities (id, user_id, provider_id, identity_data, provider, created_at, updated_at)
values (gen_random_uuid(), '11111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
        '{"sub": "11111111-1111-4111-8111-111111111111"}', 'email', now(), now());
update public.profiles set mood = 'calm', visits = 3, currency = 'EUR'
  where id = '11111111-1111-4111-8111-111111111111';

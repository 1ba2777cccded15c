-- Two users as the dashboard makes them; the trigger gives each a profile.
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values
  ('00000000-0000-0000-0000-000000000000', '11111111-1111-1111-1111-111111111111', 'authenticated',
   'authenticated', 'ada@example.com', '', now(), '{"provider":"email"}', '{"full_name":"Ada"}', now(), now()),
  ('00000000-0000-0000-0000-000000000000', '22222222-2222-2222-2222-222222222222', 'authenticated',
   'authenticated', 'grace@example.com', '', now(), '{"provider":"email"}', '{"full_name":"Grace"}', now(), now());

update public.profiles set username = 'ada' where id = '11111111-1111-1111-1111-111111111111';
update public.profiles set username = 'grace' where id = '22222222-2222-2222-2222-222222222222';

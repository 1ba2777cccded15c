insert into auth.users (id, email) values ('00000000-0000-4000-8000-000000000001', 'a@example.com');
insert into public.notes (owner_id, body) values ('00000000-0000-4000-8000-000000000001', 'first');

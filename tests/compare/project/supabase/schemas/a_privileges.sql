-- The declarative schema of the same project, written another way: the default privileges first
-- (a function made after them gets them, as in the migrations), types spelled otherwise.
alter default privileges in schema public revoke execute on functions from anon;

create type public.mood as enum ('happy', 'calm', 'sad');
create domain public.positive_int as int4 check (value > 0);

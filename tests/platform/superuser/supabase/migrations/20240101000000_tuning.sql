-- Needs superuser, which postgres is not on Supabase: this migration must fail.
create table public.t (id bigint primary key);
alter table public.t enable row level security;

-- A function in C: only a superuser may use an untrusted language.
create function public.fast_hash(bytea) returns int
  language c strict
  as 'hashfuncs', 'fast_hash';

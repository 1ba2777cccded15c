-- What the CLI keeps whole: SQL-standard function bodies, quotes, parentheses.
create function public.add_one(i int) returns int language sql
begin atomic
  select i + 1;
end;
create function public.both() returns setof int language sql
BEGIN   ATOMIC
  select 1;
  select 2;
END;
create function public.three() returns int language sql return 3;
select 'a\'; -- a backslash ends nothing
create table public.notes (body text default 'x;y', at timestamptz default (now()));
alter table public.notes enable row level security;

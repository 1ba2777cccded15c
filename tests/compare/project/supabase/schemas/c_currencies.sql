-- Made after the table that refers to it; its rows inserted in the other order.
create table public.currencies (
  code text not null,
  name character varying(40) not null,
  digits integer default 2 not null,
  primary key (code)
);
alter table public.profiles add foreign key (currency) references public.currencies (code);
alter table public.currencies enable row level security;
create policy "Currencies are public." on public.currencies for select to authenticated, anon using (true);
insert into public.currencies (name, code, digits) values ('Yen', 'JPY', 0), ('Euro', 'EUR', 2);

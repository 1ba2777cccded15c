-- Needs superuser, which postgres is not on Supabase: this migration must fail.
create table public.t (id bigint primary key);
alter table public.t enable row level security;

create function public.log_ddl() returns event_trigger
  language plpgsql
  as $$ begin raise notice 'ddl: %', tg_tag; end; $$;
create event trigger log_ddl on ddl_command_end execute function public.log_ddl();

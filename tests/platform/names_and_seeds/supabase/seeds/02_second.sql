insert into public.projects (name, notes) values ('second', (select name from public.projects limit 1));

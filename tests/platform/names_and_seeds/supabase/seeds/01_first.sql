insert into public.projects (name) values ('first');

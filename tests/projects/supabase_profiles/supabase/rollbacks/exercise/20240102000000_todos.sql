insert into public.todos (user_id, task)
select id, 'write the rollback' from public.profiles;

-- Rollback of 20240102000000_todos: drops the view and the table it made.
drop view public.open_todos;
drop table public.todos;

-- What: a notes column. Why: a file name with dots and a dash. Depends on: public.projects.
-- Rollback: alter table public.projects drop column notes.
alter table public.projects add column notes text not null default '';

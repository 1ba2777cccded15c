begin;
select plan(3);

select results_eq($$select name from public.projects order by id$$, $$values ('first'), ('second')$$,
                  'both seed files ran, in name order');
select is((select notes from public.projects where name = 'second'), 'first', 'the second saw the first');
select results_eq($$select name from supabase_migrations.schema_migrations order by version$$,
                  $$values ('create projects'), ('add.notes-v2')$$, 'the names the CLI records');

select * from finish();
rollback;

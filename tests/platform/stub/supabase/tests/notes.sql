begin;
select plan(2);
select has_table('public', 'notes', 'the dumped schema applied');
select has_extension('extensions', 'pg_stat_statements', 'a contrib extension on the allow-list, created for postgres');
select * from finish();
rollback;

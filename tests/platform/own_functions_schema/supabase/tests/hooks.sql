begin;
select plan(2);
select schema_owner_is('supabase_functions', 'postgres', 'the project owns the schema it made');
select has_table('supabase_functions', 'hooks', 'its table is there');
select * from finish();
rollback;

begin;
select plan(4);

select has_table('public', 'notes', 'notes exists');
select col_not_null('public', 'notes', 'owner_id', 'every note has an owner');
select is((select count(*)::int from public.notes), 1, 'the seed is in');
select policies_are('public', 'notes', array['owners read their notes'], 'one policy');

select * from finish();
rollback;

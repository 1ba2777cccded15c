begin;
select plan(3);
select ok(true, 'first');
select * from public.no_such_table;
select ok(true, 'never reached');
select * from finish();
rollback;

begin;
select plan(2);
select is(1, 2, 'one is two');
select ok(true, 'fine');
select * from finish();
rollback;

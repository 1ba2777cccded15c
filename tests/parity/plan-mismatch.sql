begin;
select plan(3);
select ok(true, 'only one');
select * from finish();
rollback;

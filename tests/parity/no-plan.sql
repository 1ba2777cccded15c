begin;
select no_plan();
select ok(true, 'one');
select ok(true, 'two');
select * from finish();
rollback;

begin;
select plan(2);
select ok(true, 'first');
select 'Bail out! the database is not what this suite expects';
select ok(true, 'second');
select * from finish();
rollback;

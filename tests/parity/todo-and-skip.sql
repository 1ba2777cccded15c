begin;
select plan(3);
select todo('known bug', 1);
select ok(false, 'fails as expected');
select skip('not on this platform', 1);
select ok(true, 'runs');
select * from finish();
rollback;

\echo starting the file
begin;
select plan(1);
select ok(true, 'before quit');
select * from finish();
rollback;
\quit
select ok(false, 'after quit: never run');

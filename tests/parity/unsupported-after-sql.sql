-- A meta-command after SQL on the same line ends the query there and runs; psql fails this
-- \copy (the folder does not exist), the harness refuses \copy: both stop after 'first'.
begin;
select plan(2);
select ok(true, 'first'); \copy (select 1) to '/nonexistent-dbharness-folder/out.csv'
select ok(true, 'never reached');
select * from finish();
rollback;

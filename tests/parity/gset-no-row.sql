-- \gset on a query that returns no row is an error (psql: "no rows returned for \gset");
-- ON_ERROR_STOP ends the file there.
begin;
select plan(2);
select ok(true, 'before the query that returns nothing');
select 1 as one where false \gset
select ok(true, 'never reached');
select * from finish();
rollback;

-- \gexec runs each value of each row as a statement, in order.
begin;
select plan(3);
select format('select ok(true, %L)', 'made by gexec, row ' || n) from generate_series(1, 3) as n
\gexec
select * from finish();
rollback;

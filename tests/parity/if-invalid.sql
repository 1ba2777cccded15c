-- An \if value that is not a boolean: psql says so ("unrecognized value ... Boolean
-- expected") and takes it as false, without stopping the file.
begin;
select plan(1);
\if maybe
select ok(false, 'an invalid value is not true');
\else
select ok(true, 'so the else branch runs, as under psql');
\endif
select * from finish();
rollback;

begin;
select plan(2);
select ok(true, 'before the include');
\ir inc/more.sql
select * from finish();
rollback;

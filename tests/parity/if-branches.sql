-- \if, \elif, \else, \endif with psql's booleans; lines in a false branch are not run and
-- their variables not substituted; a \gset value chooses a branch.
\set run_b TRUE
begin;
select plan(4);
\if false
select ok(false, 'a false branch never runs');
\set never :undefined_anywhere
\elif :run_b
select ok(true, 'the first true branch runs');
\if n
select ok(false, 'a nested false branch');
\else
select ok(true, 'a nested else');
\endif
\else
select ok(false, 'an else after a true branch');
\endif
select is(:{?never}, false, 'a \set in a false branch did not run');
select current_setting('server_version_num')::int >= 150000 as pg15 \gset
\if :pg15
select ok(true, 'a branch chosen by a \gset value');
\else
select ok(false, 'the other branch');
\endif
select * from finish();
rollback;

-- psql's lexer: where a query ends and where a meta-command starts. The harness must send
-- what psql sends, query for query (test_the_harness_sends_the_queries_psql_sends).
  -- a comment before the first query; not a terminator
\set x 42
\set path 'a\\b'
\set two_queries 'select 1; select 2'
begin;
select plan(7);
select is(1 -- a ; in a comment
  + 1, 2, 'a comment with a semicolon');   select is(/* ; */ 3, 3, 'a block comment');
select is($$ ; \echo no $$ || E'\' ; ' || 'x\', ' ; \echo no ' || E'\' ; ' || 'x\', 'quotes and dollar quotes');

select is(:x + (1

  + 1), 44, 'a query over lines, blank ones too');
select is(:'path'::text, 'a\b'::text, 'a backslash in :''var''');
create function pg_temp.atomic_two() returns int language sql
begin atomic
  select 1;
  select 2;
end;
select is(pg_temp.atomic_two(), 2, 'begin atomic keeps its semicolons');
select 1 \; select is(1 \if true
  + 1 \else
  + 2 \endif
  , 2, 'a branch in the middle of a query');
:two_queries;
select * from finish();
rollback;

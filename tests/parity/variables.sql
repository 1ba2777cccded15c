\set expected 42
\set word 'it''s'
\set QUIET 1
\pset format unaligned
\timing off
begin;
select plan(3);
select is(42, :expected, 'a \set variable');
select is(:'word'::text, 'it''s'::text, 'a quoted variable');
select is(':expected'::text, ':' || 'expected', 'no substitution inside a literal');
select * from finish();
rollback;

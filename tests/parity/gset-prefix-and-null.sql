-- \gset with a prefix; a NULL column unsets its variable; :{?var} says whether one is set.
\set p_gone 'set before'
\set gone 'still here'
begin;
select plan(4);
select 7 as seven, null as gone \gset p_
select is(:p_seven, 7, 'a prefixed column');
select is(:{?p_gone}, false, 'a NULL column unsets its variable');
select is(:'gone'::text, 'still here'::text, 'a variable without the prefix is untouched');
select 'it''s' as quote, 'two words' as words
\gset
select is(:'quote' || ' ' || :'words', 'it''s two words'::text, 'values quoted with :''var''');
select * from finish();
rollback;

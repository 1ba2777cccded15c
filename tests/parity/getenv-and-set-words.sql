-- \getenv reads the environment; \set joins its words.
\getenv home HOME
\set words 'several ' words ' joined'
begin;
select plan(2);
select ok(:{?home}, 'getenv read HOME');
select is(:'words'::text, 'several words joined'::text, 'set joins its words');
select * from finish();
rollback;

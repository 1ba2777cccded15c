-- The README's repro: a value psql stores with \gset, after SQL on the same line, is
-- substituted in the statements after it.
begin; select plan(1);
select 42 as answer \gset
select is(:answer, 42, 'gset');
select * from finish(); rollback;

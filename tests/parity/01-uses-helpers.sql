begin;
select plan(1);
select is(parity_helpers.answer(), 42, 'the helper made by 00000 is there');
select * from finish();
rollback;

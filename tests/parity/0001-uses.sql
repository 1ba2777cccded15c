begin;
select plan(1);
select is(parity_order.helper(), 7, 'the helper made by 0000-setup is there');
select * from finish();
rollback;

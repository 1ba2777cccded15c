-- The order of files: a setup file, a test that needs it, a teardown that drops it. pg_prove
-- runs them in name order, so the teardown comes after the test.
create schema parity_order;
create function parity_order.helper() returns int language sql as 'select 7';
select plan(1);
select pass('the helpers schema is made');
select * from finish();

-- Runs after every file before it in name order (0001-uses among them), as under pg_prove.
drop schema parity_order cascade;
select plan(1);
select pass('the helpers schema is gone');
select * from finish();

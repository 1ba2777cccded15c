begin;
select plan(1);
select has_table('public', 't', 'never reached');
select * from finish();
rollback;

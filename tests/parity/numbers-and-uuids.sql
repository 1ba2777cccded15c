begin;
select plan(1);
select 1234;
select '1475b653-0000-4000-8000-000000000001'::uuid;
select gen_random_uuid() from generate_series(1, 20);
select ok(true, 'rows that are not TAP are ignored');
select * from finish();
rollback;

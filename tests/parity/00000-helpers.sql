-- Setup shared by the files after it (the Supabase test-helpers pattern): outside any
-- transaction, so it persists for the rest of the run.
create schema if not exists parity_helpers;
create or replace function parity_helpers.answer() returns int language sql as 'select 42';
select plan(1);
select ok(true, 'helpers installed');
select * from finish();

begin;
select plan(2);
select ok(exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime'
                  and schemaname = 'public' and tablename = 'messages'), 'messages are published');
select policies_are('realtime', 'messages', array['Authenticated users receive broadcasts.']);
select * from finish();
rollback;

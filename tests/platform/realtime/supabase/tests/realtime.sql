begin;
select plan(10);
select ok(exists (select 1 from pg_publication_tables where pubname = 'supabase_realtime'
                  and schemaname = 'public' and tablename = 'messages'), 'messages are published');
select policies_are('realtime', 'messages', array[
  'Authenticated users receive broadcasts.', 'Authenticated users broadcast on room topics.']);

insert into public.messages (room, body) values ('lobby', 'hello');
select results_eq(
  $$select topic, event, private, payload -> 'record' ->> 'body', payload ->> 'table'
    from realtime.messages where event = 'INSERT'$$,
  $$values ('room:lobby', 'INSERT', true, 'hello', 'messages')$$,
  'an insert is broadcast on its room''s topic, privately');
update public.messages set body = 'hello, all';
delete from public.messages;
select results_eq(
  $$select event, payload -> 'old_record' ->> 'body' from realtime.messages
    where event in ('UPDATE', 'DELETE') order by event desc$$,
  $$values ('UPDATE', 'hello'), ('DELETE', 'hello, all')$$,
  'updates and deletes carry the old row');

select public.announce('lobby', 'closing soon');
select results_eq(
  $$select topic, private, payload ->> 'body', payload ->> 'id' = id::text
    from realtime.messages where event = 'announcement'$$,
  $$values ('room:lobby', false, 'closing soon', true)$$,
  'realtime.send leaves one public message, its id in the payload');

set local role authenticated;
select lives_ok($$select realtime.send('{"typing": true}', 'typing', 'room:lobby')$$,
                'a client broadcasts on a room topic');
select lives_ok($$select realtime.send('{"typing": true}', 'typing', 'private:admins')$$,
                'a refused send is a warning, never an error');
reset role;
select is((select count(*)::int from realtime.messages where event = 'typing'), 1,
          'only the send the policy allows left a row');
select is((select payload ->> 'typing' from realtime.messages where event = 'typing'), 'true',
          'the payload is kept');
select throws_ok(
  $$select realtime.broadcast_changes('t', 'e', 'INSERT', 'x', 'public', null, null, 'STATEMENT')$$,
  'P0001', 'Failed to process the row: function can only be triggered for each row, not for each statement',
  'broadcast_changes is for row triggers');
select * from finish();
rollback;

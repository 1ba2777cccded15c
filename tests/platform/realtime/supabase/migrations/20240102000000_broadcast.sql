-- Broadcast from the database: every change of a room's messages goes out on the room's topic,
-- and the app can announce to a room from SQL.
create function public.broadcast_message_changes() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  begin
    perform realtime.broadcast_changes(
      'room:' || coalesce(new.room, old.room), tg_op, tg_op, tg_table_name, tg_table_schema, new, old);
    return null;
  end;
  $$;

create trigger broadcast_message_changes
  after insert or update or delete on public.messages
  for each row execute function public.broadcast_message_changes();

create function public.announce(room text, body text) returns void
  language sql security definer set search_path = ''
  as $$ select realtime.send(jsonb_build_object('body', body), 'announcement', 'room:' || room, false) $$;
revoke execute on function public.announce(text, text) from public, anon;

-- Clients may broadcast on room topics only.
create policy "Authenticated users broadcast on room topics." on realtime.messages
  for insert to authenticated
  with check (realtime.topic() like 'room:%' and extension = 'broadcast');

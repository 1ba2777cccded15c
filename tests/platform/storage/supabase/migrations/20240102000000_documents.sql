-- A private documents bucket: PDFs of at most 5 MB; each user reads and writes only the objects
-- whose owner_id is theirs (the Storage API sets owner_id from the JWT's sub).
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('documents', 'documents', false, 5242880, array['application/pdf']);

create policy "Users upload their documents." on storage.objects
  for insert to authenticated
  with check (bucket_id = 'documents' and owner_id = (select auth.uid()::text));

create policy "Users read their documents." on storage.objects
  for select to authenticated
  using (bucket_id = 'documents' and owner_id = (select auth.uid()::text));

-- Renames and moves only, through the Storage API's move operation.
create policy "Users move their documents." on storage.objects
  for update to authenticated
  using (bucket_id = 'documents' and owner_id = (select auth.uid()::text)
         and storage.allow_only_operation('object.move'));

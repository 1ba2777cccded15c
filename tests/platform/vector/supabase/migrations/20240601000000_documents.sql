-- Semantic search as Supabase's guides write it: pgvector in the extensions schema, a table of
-- documents with their embeddings (3 dimensions here; 384 or 1536 for a real model), an hnsw
-- index for cosine distance and a function the client calls through the API.
create extension if not exists vector with schema extensions;

create table public.documents (
  id bigint primary key generated always as identity,
  content text not null,
  embedding extensions.vector(3)
);
alter table public.documents enable row level security;

create policy "documents are readable by signed-in users" on public.documents
  for select to authenticated using (true);

create index documents_embedding_idx on public.documents
  using hnsw (embedding extensions.vector_cosine_ops);

create function public.match_documents(query_embedding extensions.vector(3), match_threshold float,
                                       match_count int)
  returns table (id bigint, content text, similarity float)
  language sql stable set search_path = ''
  as $$
    select documents.id, documents.content,
           1 - (documents.embedding operator(extensions.<=>) query_embedding) as similarity
    from public.documents
    where 1 - (documents.embedding operator(extensions.<=>) query_embedding) > match_threshold
    order by documents.embedding operator(extensions.<=>) query_embedding
    limit match_count;
  $$;

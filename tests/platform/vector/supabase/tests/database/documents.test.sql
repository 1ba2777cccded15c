begin;
select plan(9);

select has_extension('vector', 'the migration creates pgvector');
select is((select extnamespace::regnamespace::text from pg_extension where extname = 'vector'),
          'extensions', 'in the extensions schema');
select col_type_is('public', 'documents', 'embedding', 'extensions', 'vector(3)',
                   'embedding is a vector of 3 dimensions');
select is((select amname from pg_class c join pg_am a on a.oid = c.relam
           where c.oid = 'public.documents_embedding_idx'::regclass), 'hnsw', 'the index is hnsw');

insert into public.documents (content, embedding) values
  ('north', '[0,1,0]'), ('north-east', '[1,1,0]'), ('east', '[1,0,0]'), ('south', '[0,-1,0]');

select throws_ok($$insert into public.documents (content, embedding) values ('flat', '[1,2]')$$,
                 '22000', 'expected 3 dimensions, not 2', 'an embedding of the wrong size is refused');

select results_eq(
  $$select content from public.match_documents('[0,1,0]', 0.5, 10)$$,
  $$values ('north'), ('north-east')$$,
  'match_documents returns the similar documents, most similar first');

select is((select round(similarity::numeric, 6) from public.match_documents('[0,1,0]', 0.5, 10)
           where content = 'north-east'), round((1 / sqrt(2))::numeric, 6),
          'similarity is 1 - cosine distance');

set local enable_seqscan = off;
select results_eq(
  $$select content from public.documents order by embedding operator(extensions.<=>) '[1,0.1,0]' limit 3$$,
  $$values ('east'), ('north-east'), ('north')$$,
  'the nearest documents through the index');

select is((select count(*)::int from public.match_documents('[0,1,0]', -2, 2)), 2,
          'match_count limits the rows');

select * from finish();
rollback;

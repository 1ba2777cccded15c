begin;
select plan(8);

select has_table('pgmq', 'q_fulfilment', 'the queue has its message table');

insert into public.orders (item) values ('book'), ('lamp');
select is((select count(*)::int from pgmq.q_fulfilment), 2, 'each new order is sent to the queue');

select results_eq($$select message->>'item' from pgmq.read('fulfilment', 30, 1)$$, array['book'],
                  'the worker reads the oldest order first');
select results_eq($$select message->>'item' from pgmq.read('fulfilment', 30, 5)$$, array['lamp'],
                  'a message being read is hidden from the next read');
select is((select read_ct from pgmq.q_fulfilment where message->>'item' = 'book'), 1,
          'reads are counted');
select is_empty($$select * from pgmq.pop('fulfilment')$$,
                'pop takes only what was visible when the transaction began');

select ok(pgmq.archive('fulfilment', (select msg_id from pgmq.q_fulfilment where message->>'item' = 'book')),
          'a fulfilled order is archived');
select is((select message->>'item' from pgmq.a_fulfilment), 'book', 'the archive keeps the message');

select * from finish();
rollback;

begin;
select plan(3);

select lives_ok($$select pgmq.send('fulfilment', '{"item": "later"}', 60)$$, 'a message can be delayed');
select is_empty($$select * from pgmq.read('fulfilment', 30, 5)$$, 'a delayed message is not read yet');
select is((select queue_length from pgmq.metrics('fulfilment')), 1::bigint, 'metrics count it');

select * from finish();
rollback;

begin;
select plan(5);
insert into public.orders (total) values (42.5);
select is((select count(*)::int from net.http_request_queue), 2, 'two requests queued, none sent');
select is((select method::text from net.http_request_queue where url like 'https://billing%'), 'POST',
          'billing gets a POST');
select is((select convert_from(body, 'UTF8')::jsonb ->> 'total' from net.http_request_queue
           where url like 'https://billing%'), '42.5', 'with the order in its body');
select is((select convert_from(body, 'UTF8')::jsonb ->> 'type' from net.http_request_queue
           where url = 'https://shipping.example.com/hooks'), 'INSERT', 'the webhook sends the event');
select is((select count(*)::int from supabase_functions.hooks), 1, 'the webhook call is recorded');
select * from finish();
rollback;

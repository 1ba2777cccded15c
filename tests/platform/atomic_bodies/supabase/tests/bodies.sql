begin;
select plan(4);
select is(public.add_one(41), 42, 'a begin atomic body runs');
select results_eq('select * from public.both()', array[2], 'a body of two statements returns the last one''s rows');
select is(public.three(), 3, 'a return body runs');
select col_default_is('public', 'notes', 'body', 'x;y', 'a semicolon in a default stays in it');
select * from finish();
rollback;

begin;
select plan(11);
-- pgjwt: the RFC 7519 example token of jwt.io, and a round trip
select is(extensions.sign('{"sub":"1234567890","name":"John Doe","iat":1516239022}', 'your-256-bit-secret'),
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  'sign gives the token every JWT library gives');
select ok((select valid from extensions.verify(public.service_token(gen_random_uuid()), 'local-secret')),
          'a signed token verifies');
select ok(not (select valid from extensions.verify(public.service_token(gen_random_uuid()), 'other')),
          'a wrong secret does not');
select ok(not (select valid from extensions.verify(
  extensions.sign(json_build_object('exp', extract(epoch from now()) - 60), 'k'), 'k')),
  'an expired token does not');
-- pg_jsonschema
select lives_ok($$insert into public.profiles (settings) values ('{"theme": "dark", "font_size": 12}')$$,
                'settings that match the schema are stored');
select throws_ok($$insert into public.profiles (settings) values ('{"theme": "blue"}')$$, '23514', null,
                 'a value off the enum is refused');
select throws_ok($$insert into public.profiles (settings) values ('{"font_size": 7.5}')$$, '23514', null,
                 'a number that is not an integer above the minimum is refused');
select is(extensions.jsonschema_validation_errors('{"required": ["a"]}', '{}'),
          array['the instance: "a" is a required property'], 'errors name what failed');
select ok(not extensions.jsonschema_is_valid('{"type": "nope"}'), 'a malformed schema is not valid');
-- http: nothing leaves the server; a test gives the answer
select is(public.eur_rate(), null, 'offline, the service is unavailable');
insert into extensions.http_offline_responses (uri_like, status, content)
  values ('https://rates.example.com/%', 200, '{"rate": 1.08}');
select is(public.eur_rate(), 1.08, 'with a canned answer, the function reads it');
select * from finish();
rollback;

begin;
select plan(3);
select is(public.mail_api_key(), 'sk-test-123', 'the function reads the secret');
select isnt((select secret from vault.secrets where name = 'mail_api_key'), 'sk-test-123',
            'the table holds ciphertext only');
select lives_ok($$select vault.update_secret((select id from vault.secrets where name = 'mail_api_key'),
                                             'sk-test-456')$$, 'the secret can be rotated');
select * from finish();
rollback;

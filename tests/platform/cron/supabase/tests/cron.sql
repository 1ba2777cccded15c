begin;
select plan(4);
select is((select schedule from cron.job where jobname = 'nightly-cleanup'), '0 3 * * *',
          'the job is scheduled');
select is((select username from cron.job where jobname = 'nightly-cleanup'), 'postgres',
          'it runs as postgres');
select is((select schedule from cron.job where jobname = 'heartbeat'), '30 seconds',
          'a job runs every 30 seconds');
select throws_ok($$select cron.schedule('too-slow', '60 seconds', 'select 1')$$, '22023',
                 'invalid schedule: 60 seconds', 'a schedule in seconds stops at 59');
select * from finish();
rollback;

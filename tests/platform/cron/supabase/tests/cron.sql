begin;
select plan(2);
select is((select schedule from cron.job where jobname = 'nightly-cleanup'), '0 3 * * *',
          'the job is scheduled');
select is((select username from cron.job where jobname = 'nightly-cleanup'), 'postgres',
          'it runs as postgres');
select * from finish();
rollback;

-- pg_cron, offline (dbharness): pg_cron 1.6's SQL interface (the platform ships 1.6.x) with no
-- background worker, written for the harness.
--
-- What: schema cron with cron.job and cron.job_run_details (their columns, sequences, defaults,
--   row level security and grants as pg_cron 1.6 leaves them); cron.schedule with and without a
--   job name, cron.schedule_in_database, cron.unschedule by id and by name and cron.alter_job,
--   with pg_cron's checks and messages. A schedule is what pg_cron accepts: five cron fields
--   (numbers, *, ranges, steps, lists, month and day names, $ for the last day of the month, and
--   whatever follows the fifth field ignored, as pg_cron ignores it), the @ macros, or
--   '[1-59] seconds'. The extension is made only in the database cron.database_name names
--   (default postgres), and jobs go there unless a database is named.
-- Why: migrations schedule jobs (select cron.schedule('j', '30 seconds', ...)) and pgTAP tests read
--   cron.job; Debian 12's pg_cron is 1.4, which refuses schedules in seconds.
-- Jobs are stored and never run (a throwaway server lives seconds): cron.job_run_details stays
--   empty. The functions that write cron.job do it as the extension's owner, as pg_cron's do,
--   through the pg_catalog.dbharness_cron_* helpers, which take the caller's name from the
--   cron.* function that calls them (pg_cron reads it in C; here a direct call could claim
--   another's name, for jobs that never run).
-- Installed by `dbharness setup` in place of Debian's pg_cron 1.4 control file; the real pg_cron
--   replaces it on the docker engine's supabase/postgres image and on Supabase.

\echo Use "CREATE EXTENSION pg_cron" to load this file. \quit

do $check$
declare
  home text := coalesce(pg_catalog.current_setting('cron.database_name', true), 'postgres');
begin
  if pg_catalog.current_database() <> home then
    raise exception 'can only create extension in database %', home
      using detail = 'pg_cron keeps its jobs in the database that cron.database_name names.',
            hint = pg_catalog.format('Set cron.database_name = ''%s'' in postgresql.conf to keep them here.',
                                     pg_catalog.current_database());
  end if;
end
$check$;

create schema cron;

create sequence cron.jobid_seq;
create table cron.job (
  jobid bigint primary key default pg_catalog.nextval('cron.jobid_seq'),
  schedule text not null,
  command text not null,
  nodename text not null default 'localhost',
  nodeport int not null default pg_catalog.inet_server_port(),
  database text not null default pg_catalog.current_database(),
  username text not null default current_user,
  active boolean not null default 'true',
  jobname text,
  constraint jobname_username_uniq unique (jobname, username)
);
grant select on cron.job to public;
alter table cron.job enable row level security;
create policy cron_job_policy on cron.job using (username operator(pg_catalog.=) current_user);

create sequence cron.runid_seq;
create table cron.job_run_details (
  jobid bigint,
  runid bigint primary key default pg_catalog.nextval('cron.runid_seq'),
  job_pid integer,
  database text,
  username text,
  command text,
  status text,
  return_message text,
  start_time timestamptz,
  end_time timestamptz
);
grant select, delete on cron.job_run_details to public;
alter table cron.job_run_details enable row level security;
create policy cron_job_run_details_policy on cron.job_run_details
  using (username operator(pg_catalog.=) current_user);

grant select on sequence cron.jobid_seq, cron.runid_seq to public;
select pg_catalog.pg_extension_config_dump('cron.job', '');
select pg_catalog.pg_extension_config_dump('cron.jobid_seq', '');
select pg_catalog.pg_extension_config_dump('cron.job_run_details', '');
select pg_catalog.pg_extension_config_dump('cron.runid_seq', '');

-- pg_cron's worker reloads its jobs on this trigger; no worker runs here.
create function cron.job_cache_invalidate() returns trigger
  language plpgsql
  as $fn$
  begin
    return null;
  end
  $fn$;
comment on function cron.job_cache_invalidate() is 'tells the scheduler that cron.job changed';
create trigger cron_job_cache_invalidate
  after insert or update or delete or truncate on cron.job
  for each statement execute procedure cron.job_cache_invalidate();

-- A number of a cron field, or a name of its names (the first match: sun is 0, never 7); null when
-- it is neither. Digits are read as C's atoi reads them (the low 32 bits of a value clamped at
-- 2^63 - 1), as pg_cron does.
create function pg_catalog.dbharness_cron_number(token text, names text[], low integer) returns integer
  language plpgsql immutable
  as $fn$
  declare
    value numeric;
  begin
    if token = '' then
      return null;
    elsif pg_catalog.array_position(names, pg_catalog.lower(token)) is not null then
      return pg_catalog.array_position(names, pg_catalog.lower(token)) - 1 + low;
    elsif token !~ '^[0-9]+$' then
      return null;
    end if;
    value := pg_catalog.mod(least(token::numeric, 9223372036854775807), 4294967296);
    return (case when value >= 2147483648 then value - 4294967296 else value end)::integer;
  end
  $fn$;

-- True when pg_cron's cron parser takes the schedule: leading blank and # lines skipped, then an
-- @ macro (what follows it is not read) or five fields, each a comma list of *, a number or name,
-- or a range, the last two with a /step (a number with a step is refused); a field's trailing
-- characters after a valid list are skipped, and so is everything after the fifth field.
create function pg_catalog.dbharness_cron_entry_ok(schedule text) returns boolean
  language plpgsql immutable strict
  as $fn$
  declare
    c text[] := pg_catalog.regexp_split_to_array(schedule, '') || array['NUL'];  -- C's string end
    p integer := 1;
    ch text;
    tok text;
    lo integer;
    hi integer;
    range_from integer;
    range_to integer;
    step integer;
    names text[];
  begin
    if pg_catalog.octet_length(schedule) >= 1000 then
      return false;
    end if;
    loop
      ch := coalesce(c[p], 'EOF'); p := p + 1;
      while ch in (' ', E'\t') loop ch := coalesce(c[p], 'EOF'); p := p + 1; end loop;
      exit when ch = 'EOF';
      if ch not in (E'\n', '#') then
        p := p - 1;
        exit;
      end if;
      while ch not in (E'\n', 'EOF') loop ch := coalesce(c[p], 'EOF'); p := p + 1; end loop;
    end loop;
    ch := coalesce(c[p], 'EOF'); p := p + 1;
    if ch = 'EOF' then
      return false;
    elsif ch = '@' then
      tok := '';
      loop
        ch := coalesce(c[p], 'EOF'); p := p + 1;
        exit when ch in (' ', E'\t', E'\n', 'NUL', 'EOF');
        tok := tok || ch;
      end loop;
      return tok in ('reboot', 'restart', 'yearly', 'annually', 'monthly', 'weekly', 'daily', 'midnight',
                     'hourly');
    end if;
    for field in 1..5 loop
      lo := (array[0, 0, 1, 1, 0])[field];
      hi := (array[59, 23, 31, 12, 7])[field];
      names := case field
                 when 4 then array['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
                 when 5 then array['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] end;
      if field = 3 and ch = '$' then
        ch := coalesce(c[p], 'EOF'); p := p + 1;
        if ch not in (' ', E'\t') then
          return false;
        end if;
        while ch in (' ', E'\t') loop ch := coalesce(c[p], 'EOF'); p := p + 1; end loop;
        continue;
      end if;
      loop
        if ch = '*' then
          range_from := lo;
          range_to := hi;
          ch := coalesce(c[p], 'EOF'); p := p + 1;
        else
          tok := '';
          while ch ~ '^[A-Za-z0-9]$' loop tok := tok || ch; ch := coalesce(c[p], 'EOF'); p := p + 1; end loop;
          range_from := pg_catalog.dbharness_cron_number(tok, names, lo);
          range_to := null;
          if range_from is null then
            return false;
          elsif ch = '-' then
            ch := coalesce(c[p], 'EOF'); p := p + 1;
            tok := '';
            while ch ~ '^[A-Za-z0-9]$' loop tok := tok || ch; ch := coalesce(c[p], 'EOF'); p := p + 1; end loop;
            range_to := pg_catalog.dbharness_cron_number(tok, names, lo);
            if range_to is null then
              return false;
            end if;
          elsif ch = '/' or range_from < lo or range_from > hi then
            return false;
          end if;
        end if;
        if range_to is not null then
          if ch = '/' then
            ch := coalesce(c[p], 'EOF'); p := p + 1;
            tok := '';
            while ch ~ '^[A-Za-z0-9]$' loop tok := tok || ch; ch := coalesce(c[p], 'EOF'); p := p + 1; end loop;
            step := pg_catalog.dbharness_cron_number(tok, null, 0);
            if step is null or step <= 0 then
              return false;
            end if;
          end if;
          if range_from < lo or range_from > hi or range_to < lo or range_to > hi then
            return false;
          end if;
        end if;
        exit when ch <> ',';
        ch := coalesce(c[p], 'EOF'); p := p + 1;
      end loop;
      while ch not in (' ', E'\t', E'\n', 'NUL', 'EOF') loop ch := coalesce(c[p], 'EOF'); p := p + 1; end loop;
      while ch in (' ', E'\t') loop ch := coalesce(c[p], 'EOF'); p := p + 1; end loop;
    end loop;
    return true;
  end
  $fn$;

-- True when pg_cron reads the schedule as an interval: '<n> second' or '<n> seconds', n from 1 to
-- 59, any case, as C's sscanf reads it (blanks optional, a sign taken, blanks only after 'seconds';
-- the number kept to 32 bits after strtoul's overflow and negation).
create function pg_catalog.dbharness_cron_interval_ok(schedule text) returns boolean
  language plpgsql immutable strict
  as $fn$
  declare
    m text[] := pg_catalog.regexp_match(
      pg_catalog.translate(schedule, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
      '^\s*([+-]?)([0-9]+)\s*secon(.*)$');
    value numeric;
  begin
    if m is null or left(m[3], 1) <> 'd' then
      return false;
    elsif pg_catalog.length(m[3]) > 1 and (substr(m[3], 2, 1) <> 's' or substr(m[3], 3) !~ '^\s*$') then
      return false;
    end if;
    value := m[2]::numeric;
    if value > 18446744073709551615 then
      value := 18446744073709551615;
    elsif m[1] = '-' and value > 0 then
      value := 18446744073709551616 - value;
    end if;
    return pg_catalog.mod(value, 4294967296) between 1 and 59;
  end
  $fn$;

create function pg_catalog.dbharness_cron_check(schedule text) returns void
  language plpgsql immutable
  as $fn$
  begin
    if not (pg_catalog.dbharness_cron_entry_ok(schedule) or pg_catalog.dbharness_cron_interval_ok(schedule)) then
      raise exception 'invalid schedule: %', schedule
        using errcode = 'invalid_parameter_value',
              hint = 'A schedule is five cron fields (e.g. 5 4 * * *), an @ macro such as @daily, or '
                     '''[1-59] seconds''.';
    end if;
  end
  $fn$;

-- The role a job runs as must exist and be able to log in.
create function pg_catalog.dbharness_cron_login(username text) returns void
  language plpgsql stable
  as $fn$
  declare
    can_login boolean;
  begin
    select r.rolcanlogin into can_login from pg_catalog.pg_roles as r where r.rolname = username;
    if not found then
      raise exception 'role "%" does not exist', username using errcode = 'internal_error';
    elsif not can_login then
      raise exception 'role "%" can not log in', username
        using errcode = 'internal_error', detail = 'A job runs as a role that has the LOGIN attribute.';
    end if;
  end
  $fn$;

-- The database must exist and the job's role must be allowed to connect to it.
create function pg_catalog.dbharness_cron_reachable(database text, username text) returns void
  language plpgsql stable
  as $fn$
  begin
    if not exists (select from pg_catalog.pg_database as d where d.datname = database) then
      raise exception 'database "%" does not exist', database using errcode = 'invalid_catalog_name';
    elsif not pg_catalog.has_database_privilege(username, database, 'CONNECT') then
      raise exception 'User % does not have CONNECT privilege on %', username, database
        using errcode = 'internal_error';
    end if;
  end
  $fn$;

-- Every way of scheduling: pg_cron's checks, in its order, as the calling user; then the job is
-- written as the extension's owner. A named job scheduled again by its user takes the new schedule,
-- command and database and keeps its id.
create function pg_catalog.dbharness_cron_schedule(named boolean, job_name text, schedule text, command text,
                                                   database text, username text, active boolean) returns bigint
  language plpgsql
  as $fn$
  declare
    runs_as text := coalesce(username, current_user);
    home text := coalesce(database, pg_catalog.current_setting('cron.database_name', true), 'postgres');
  begin
    if named and job_name is null then
      raise exception 'job_name can not be NULL' using errcode = 'internal_error';
    elsif schedule is null then
      raise exception 'schedule can not be NULL' using errcode = 'internal_error';
    elsif command is null then
      raise exception 'command can not be NULL' using errcode = 'internal_error';
    end if;
    perform pg_catalog.dbharness_cron_check(schedule);
    if username is not null then
      if not (select r.rolsuper from pg_catalog.pg_roles as r where r.rolname = current_user) then
        raise exception 'must be superuser to create a job for another role' using errcode = 'internal_error';
      end if;
      perform pg_catalog.dbharness_cron_login(username);
    end if;
    perform pg_catalog.dbharness_cron_reachable(home, runs_as);
    return pg_catalog.dbharness_cron_store(job_name, schedule, command, home, runs_as, coalesce(active, true));
  end
  $fn$;

create function pg_catalog.dbharness_cron_store(new_name text, new_schedule text, new_command text,
                                                new_database text, new_username text, new_active boolean)
  returns bigint
  language plpgsql security definer set search_path = pg_catalog
  as $fn$
  declare
    id bigint;
  begin
    insert into cron.job as j (schedule, command, nodename, nodeport, database, username, active, jobname)
      values (new_schedule, new_command, coalesce(nullif(current_setting('cron.host', true), ''), 'localhost'),
              current_setting('port')::integer, new_database, new_username, new_active, new_name)
      on conflict on constraint jobname_username_uniq
      do update set schedule = excluded.schedule, command = excluded.command, database = excluded.database
      returning j.jobid into id;
    return id;
  end
  $fn$;

-- Unscheduling: by id any job (another user's needs delete on cron.job), by name the caller's own.
create function pg_catalog.dbharness_cron_unschedule(job_id bigint, job_name text, caller text,
                                                     may_delete boolean) returns boolean
  language plpgsql security definer set search_path = pg_catalog
  as $fn$
  declare
    found_id bigint;
    job_owner text;
  begin
    if job_name is null then
      select j.jobid, j.username into found_id, job_owner from cron.job as j where j.jobid = job_id;
      if not found then
        raise exception 'could not find valid entry for job %', job_id using errcode = 'internal_error';
      end if;
    else
      select j.jobid, j.username into found_id, job_owner from cron.job as j
        where j.jobname = job_name and j.username = caller;
      if not found then
        raise exception 'could not find valid entry for job ''%''', job_name using errcode = 'internal_error';
      end if;
    end if;
    if lower(job_owner) <> lower(caller) and not may_delete then
      raise exception 'permission denied for table job' using errcode = 'insufficient_privilege';
    end if;
    delete from cron.job as j where j.jobid = found_id;
    return true;
  end
  $fn$;

create function pg_catalog.dbharness_cron_alter(job_id bigint, new_schedule text, new_command text,
                                                new_database text, new_username text, new_active boolean,
                                                owner_only text) returns void
  language plpgsql security definer set search_path = pg_catalog
  as $fn$
  begin
    update cron.job as j
      set schedule = coalesce(new_schedule, j.schedule), command = coalesce(new_command, j.command),
          database = coalesce(new_database, j.database), username = coalesce(new_username, j.username),
          active = coalesce(new_active, j.active)
      where j.jobid = job_id and (owner_only is null or j.username = owner_only);
    if not found then
      raise exception 'Job % does not exist or you don''t own it', job_id using errcode = 'internal_error';
    end if;
  end
  $fn$;

-- pg_cron 1.6's functions.
create function cron.schedule(schedule text, command text) returns bigint
  language plpgsql strict
  as $fn$
  begin
    return pg_catalog.dbharness_cron_schedule(false, null, schedule, command, null, null, true);
  end
  $fn$;
comment on function cron.schedule(text, text) is 'schedules a pg_cron job';

create function cron.schedule(job_name text, schedule text, command text) returns bigint
  language plpgsql
  as $fn$
  begin
    return pg_catalog.dbharness_cron_schedule(true, job_name, schedule, command, null, null, true);
  end
  $fn$;
comment on function cron.schedule(text, text, text) is 'schedules a pg_cron job';

create function cron.schedule_in_database(job_name text, schedule text, command text, database text,
                                          username text default null, active boolean default 'true')
  returns bigint
  language plpgsql
  as $fn$
  begin
    return pg_catalog.dbharness_cron_schedule(true, job_name, schedule, command, database, username, active);
  end
  $fn$;
comment on function cron.schedule_in_database(text, text, text, text, text, boolean) is
  'schedules a pg_cron job';
revoke all on function cron.schedule_in_database(text, text, text, text, text, boolean) from public;

create function cron.unschedule(job_id bigint) returns boolean
  language plpgsql strict
  as $fn$
  begin
    return pg_catalog.dbharness_cron_unschedule(job_id, null, current_user,
                                                pg_catalog.has_table_privilege('cron.job', 'DELETE'));
  end
  $fn$;
comment on function cron.unschedule(bigint) is 'unschedules a pg_cron job';

create function cron.unschedule(job_name text) returns boolean
  language plpgsql strict
  as $fn$
  begin
    return pg_catalog.dbharness_cron_unschedule(null, job_name, current_user, true);
  end
  $fn$;
comment on function cron.unschedule(text) is 'unschedules a pg_cron job';

create function cron.alter_job(job_id bigint, schedule text default null, command text default null,
                               database text default null, username text default null,
                               active boolean default null) returns void
  language plpgsql
  as $fn$
  declare
    is_superuser boolean := (select r.rolsuper from pg_catalog.pg_roles as r where r.rolname = current_user);
  begin
    if job_id is null then
      raise exception 'job_id can not be NULL' using errcode = 'internal_error';
    end if;
    if username is not null then
      if not is_superuser then
        raise exception 'must be superuser to alter username' using errcode = 'internal_error';
      end if;
      perform pg_catalog.dbharness_cron_login(username);
    end if;
    if database is not null then
      perform pg_catalog.dbharness_cron_reachable(database, coalesce(username, current_user));
    end if;
    if schedule is not null then
      perform pg_catalog.dbharness_cron_check(schedule);
    end if;
    if pg_catalog.num_nonnulls(schedule, command, database, username, active) = 0 then
      raise exception 'no updates specified' using errcode = 'internal_error',
        hint = 'Name at least one of the job''s attributes to change in alter_job.';
    end if;
    perform pg_catalog.dbharness_cron_alter(job_id, schedule, command, database, username, active,
                                            case when is_superuser then null else current_user end);
  end
  $fn$;
comment on function cron.alter_job(bigint, text, text, text, text, boolean) is
  'Changes the job job_id: the options left NULL are kept.';
revoke all on function cron.alter_job(bigint, text, text, text, text, boolean) from public;

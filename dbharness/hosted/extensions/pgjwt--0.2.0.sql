-- pgjwt, offline (dbharness): sign and verify JSON Web Tokens with pgcrypto's HMAC.
--
-- What: in the schema the extension is created in (Supabase: extensions), pgjwt's functions:
--   sign(payload, secret, algorithm = 'HS256') returns the token; verify(token, secret,
--   algorithm = 'HS256') returns (header, payload, valid), where valid means the signature
--   matches and the time is within the token's nbf and exp claims when it has them;
--   url_encode, url_decode, algorithm_sign and try_cast_double as pgjwt names them.
-- Why: projects sign tokens in SQL (tests that mint a JWT for an API role, functions that hand
--   one out); Debian packages no pgjwt, and nothing here needs more than pgcrypto.
-- Installed into the server's extension directory by `dbharness setup`; the real pgjwt replaces
--   it on the docker engine and on Supabase.

\echo Use "CREATE EXTENSION pgjwt" to load this file. \quit

create function @extschema@.url_encode(data bytea) returns text
  language sql immutable strict
  as $fn$ select pg_catalog.translate(pg_catalog.encode(data, 'base64'), E'+/=\n', '-_') $fn$;

create function @extschema@.url_decode(data text) returns bytea
  language sql immutable strict
  as $fn$
    select pg_catalog.decode(padded, 'base64')
    from (select pg_catalog.translate(data, '-_', '+/')
                 || pg_catalog.repeat('=', (4 - pg_catalog.length(data) % 4) % 4) as padded) as p
  $fn$;

create function @extschema@.algorithm_sign(signables text, secret text, algorithm text) returns text
  language plpgsql immutable
  as $fn$
  declare
    digest text := case algorithm when 'HS256' then 'sha256' when 'HS384' then 'sha384'
                                  when 'HS512' then 'sha512' end;
  begin
    if digest is null then
      raise exception 'pgjwt: unsupported algorithm %', algorithm using errcode = '22023';
    end if;
    return @extschema@.url_encode(hmac(pg_catalog.convert_to(signables, 'utf8'),
                                       pg_catalog.convert_to(secret, 'utf8'), digest));
  end
  $fn$;

create function @extschema@.sign(payload json, secret text, algorithm text default 'HS256')
  returns text
  language sql immutable
  as $fn$
    select signables || '.' || @extschema@.algorithm_sign(signables, secret, algorithm)
    from (select @extschema@.url_encode(pg_catalog.convert_to(
                   '{"alg":"' || algorithm || '","typ":"JWT"}', 'utf8'))
                 || '.' || @extschema@.url_encode(pg_catalog.convert_to(payload::text, 'utf8'))
                 as signables) as s
  $fn$;

create function @extschema@.try_cast_double(inp text) returns double precision
  language plpgsql immutable
  as $fn$
  begin
    return inp::double precision;
  exception when others then
    return null;
  end
  $fn$;

create function @extschema@.verify(token text, secret text, algorithm text default 'HS256')
  returns table (header json, payload json, valid boolean)
  language sql stable
  as $fn$
    select h, p,
           parts[3] is not null
           and parts[3] = @extschema@.algorithm_sign(parts[1] || '.' || parts[2], secret, algorithm)
           and coalesce(pg_catalog.to_timestamp(@extschema@.try_cast_double(p ->> 'nbf')) <= now(), true)
           and coalesce(now() < pg_catalog.to_timestamp(@extschema@.try_cast_double(p ->> 'exp')), true)
    from (select parts,
                 pg_catalog.convert_from(@extschema@.url_decode(parts[1]), 'utf8')::json as h,
                 pg_catalog.convert_from(@extschema@.url_decode(parts[2]), 'utf8')::json as p
          from (select pg_catalog.regexp_split_to_array(token, '\.') as parts) as split) as decoded
  $fn$;

-- hmac comes from pgcrypto, wherever the project put it.
do $pin$
declare
  crypto text := (select extnamespace::regnamespace::text from pg_catalog.pg_extension
                  where extname = 'pgcrypto');
begin
  execute format('alter function @extschema@.algorithm_sign(text, text, text) '
                 'set search_path = %s, pg_catalog', crypto);
end
$pin$;

-- Extensions Debian does not package, which the harness provides offline: pgjwt signs tokens,
-- pg_jsonschema checks a column, http fetches a rate.
create extension if not exists pgjwt with schema extensions;
create extension if not exists pg_jsonschema with schema extensions;
create extension if not exists http with schema extensions;

create table public.profiles (
  id bigint generated always as identity primary key,
  settings jsonb not null default '{}' check (extensions.jsonb_matches_schema(
    '{"type": "object",
      "properties": {"theme": {"enum": ["light", "dark"]}, "font_size": {"type": "integer", "minimum": 8}},
      "additionalProperties": false}', settings))
);
alter table public.profiles enable row level security;

create function public.service_token(user_id uuid) returns text
  language sql stable set search_path = ''
  as $$ select extensions.sign(json_build_object('sub', user_id, 'role', 'service_role'), 'local-secret') $$;
revoke execute on function public.service_token(uuid) from public, anon, authenticated;

create function public.eur_rate() returns numeric
  language plpgsql set search_path = ''
  as $$
  declare
    answer extensions.http_response := extensions.http_get('https://rates.example.com/eur');
  begin
    if answer.status <> 200 then
      return null;
    end if;
    return (answer.content::jsonb ->> 'rate')::numeric;
  end
  $$;
revoke execute on function public.eur_rate() from public, anon, authenticated;

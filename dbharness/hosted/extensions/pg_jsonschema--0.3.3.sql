-- pg_jsonschema, offline (dbharness): JSON Schema validation written in PL/pgSQL.
--
-- What: in the schema the extension is created in (Supabase: extensions), pg_jsonschema's
--   functions json_matches_schema(schema, instance), jsonb_matches_schema(schema, instance),
--   jsonschema_is_valid(schema) and jsonschema_validation_errors(schema, instance). They validate
--   for real: type (integer included), enum, const; minLength, maxLength, pattern; minimum,
--   maximum, exclusiveMinimum, exclusiveMaximum (number or draft-4 boolean), multipleOf; items
--   (a schema, or a tuple with additionalItems), prefixItems, minItems, maxItems, uniqueItems,
--   contains with minContains and maxContains; properties, required, additionalProperties,
--   patternProperties, propertyNames, minProperties, maxProperties, dependentRequired,
--   dependentSchemas, dependencies; allOf, anyOf, oneOf, not, if/then/else; $ref to the document
--   itself ("#", "#/definitions/...", "#/$defs/..."); boolean schemas. format is an annotation
--   only (as pg_jsonschema's validator leaves it by default); remote $ref is refused.
--   Error texts name the instance's location (a JSON pointer) and the failed keyword; their
--   wording is this file's own, not the Rust validator's.
-- Why: check constraints such as `check (jsonb_matches_schema('{...}', metadata))` must apply and
--   hold on a server without the Rust extension, and give the verdicts the platform gives.
-- Installed into the server's extension directory by `dbharness setup`; the real pg_jsonschema
--   replaces it on the docker engine and on Supabase.

\echo Use "CREATE EXTENSION pg_jsonschema" to load this file. \quit

create function @extschema@._jsonschema_type_is(instance jsonb, wanted text) returns boolean
  language sql immutable
  as $fn$
    select case wanted
      when 'integer' then pg_catalog.jsonb_typeof(instance) = 'number'
                          and (instance #>> '{}')::numeric = pg_catalog.trunc((instance #>> '{}')::numeric)
      else pg_catalog.jsonb_typeof(instance) = wanted
    end
  $fn$;

create function @extschema@._jsonschema_resolve(root jsonb, ref text) returns jsonb
  language plpgsql immutable
  as $fn$
  declare
    target jsonb := root;
    part text;
  begin
    if ref = '#' then
      return root;
    end if;
    if ref not like '#/%' then
      raise exception 'pg_jsonschema (offline): only references within the schema are supported, not %', ref
        using errcode = '0A000';
    end if;
    foreach part in array pg_catalog.string_to_array(pg_catalog.substr(ref, 3), '/') loop
      part := pg_catalog.replace(pg_catalog.replace(part, '~1', '/'), '~0', '~');
      target := case pg_catalog.jsonb_typeof(target)
                  when 'array' then target -> part::integer
                  else target -> part end;
      if target is null then
        raise exception 'pg_jsonschema (offline): reference % names nothing in the schema', ref
          using errcode = '22023';
      end if;
    end loop;
    return target;
  end
  $fn$;

create function @extschema@._jsonschema_errors(s jsonb, v jsonb, root jsonb, at text) returns text[]
  language plpgsql immutable
  as $fn$
  declare
    errs text[] := '{}';
    kind text := pg_catalog.jsonb_typeof(v);
    where_ text := case when at = '' then 'the instance' else at end;
    prop text;
    sub jsonb;
    item jsonb;
    n integer;
    hits integer;
    num numeric;
    bound numeric;
  begin
    if pg_catalog.jsonb_typeof(s) = 'boolean' then
      return case when s = 'false'::jsonb then array[where_ || ': no value is allowed (schema false)']
                  else errs end;
    end if;
    if pg_catalog.jsonb_typeof(s) is distinct from 'object' then
      return errs;
    end if;
    if s ? '$ref' then
      errs := errs || @extschema@._jsonschema_errors(@extschema@._jsonschema_resolve(root, s ->> '$ref'),
                                                     v, root, at);
    end if;
    -- any type
    if s ? 'type' then
      if pg_catalog.jsonb_typeof(s -> 'type') = 'array' then
        if not exists (select from pg_catalog.jsonb_array_elements_text(s -> 'type') t
                       where @extschema@._jsonschema_type_is(v, t)) then
          errs := errs || (where_ || ': ' || v::text || ' is not of types ' || (s -> 'type')::text);
        end if;
      elsif not @extschema@._jsonschema_type_is(v, s ->> 'type') then
        errs := errs || (where_ || ': ' || v::text || ' is not of type "' || (s ->> 'type') || '"');
      end if;
    end if;
    if s ? 'enum' and not exists (select from pg_catalog.jsonb_array_elements(s -> 'enum') e where e = v) then
      errs := errs || (where_ || ': ' || v::text || ' is not one of ' || (s -> 'enum')::text);
    end if;
    if s ? 'const' and v is distinct from s -> 'const' then
      errs := errs || (where_ || ': ' || v::text || ' is not ' || (s -> 'const')::text);
    end if;
    -- strings
    if kind = 'string' then
      n := pg_catalog.char_length(v #>> '{}');
      if s ? 'minLength' and n < (s ->> 'minLength')::integer then
        errs := errs || (where_ || ': ' || v::text || ' is shorter than ' || (s ->> 'minLength') || ' characters');
      end if;
      if s ? 'maxLength' and n > (s ->> 'maxLength')::integer then
        errs := errs || (where_ || ': ' || v::text || ' is longer than ' || (s ->> 'maxLength') || ' characters');
      end if;
      if s ? 'pattern' and not (v #>> '{}') ~ (s ->> 'pattern') then
        errs := errs || (where_ || ': ' || v::text || ' does not match "' || (s ->> 'pattern') || '"');
      end if;
    end if;
    -- numbers
    if kind = 'number' then
      num := (v #>> '{}')::numeric;
      if s ? 'minimum' then
        bound := (s ->> 'minimum')::numeric;
        if num < bound or (s -> 'exclusiveMinimum' = 'true'::jsonb and num = bound) then
          errs := errs || (where_ || ': ' || v::text || ' is less than the minimum of ' || bound::text);
        end if;
      end if;
      if s ? 'maximum' then
        bound := (s ->> 'maximum')::numeric;
        if num > bound or (s -> 'exclusiveMaximum' = 'true'::jsonb and num = bound) then
          errs := errs || (where_ || ': ' || v::text || ' is greater than the maximum of ' || bound::text);
        end if;
      end if;
      if pg_catalog.jsonb_typeof(s -> 'exclusiveMinimum') = 'number' and num <= (s ->> 'exclusiveMinimum')::numeric then
        errs := errs || (where_ || ': ' || v::text || ' is not greater than ' || (s ->> 'exclusiveMinimum'));
      end if;
      if pg_catalog.jsonb_typeof(s -> 'exclusiveMaximum') = 'number' and num >= (s ->> 'exclusiveMaximum')::numeric then
        errs := errs || (where_ || ': ' || v::text || ' is not less than ' || (s ->> 'exclusiveMaximum'));
      end if;
      if s ? 'multipleOf' and pg_catalog.mod(num, (s ->> 'multipleOf')::numeric) <> 0 then
        errs := errs || (where_ || ': ' || v::text || ' is not a multiple of ' || (s ->> 'multipleOf'));
      end if;
    end if;
    -- arrays
    if kind = 'array' then
      n := pg_catalog.jsonb_array_length(v);
      if s ? 'minItems' and n < (s ->> 'minItems')::integer then
        errs := errs || (where_ || ': has fewer than ' || (s ->> 'minItems') || ' items');
      end if;
      if s ? 'maxItems' and n > (s ->> 'maxItems')::integer then
        errs := errs || (where_ || ': has more than ' || (s ->> 'maxItems') || ' items');
      end if;
      if s -> 'uniqueItems' = 'true'::jsonb
         and (select count(distinct e) from pg_catalog.jsonb_array_elements(v) e) < n then
        errs := errs || (where_ || ': has non-unique items');
      end if;
      hits := 0;  -- items that a tuple form (prefixItems, or items as an array) covers
      if pg_catalog.jsonb_typeof(s -> 'prefixItems') = 'array' or pg_catalog.jsonb_typeof(s -> 'items') = 'array' then
        sub := coalesce(s -> 'prefixItems', s -> 'items');
        hits := least(n, pg_catalog.jsonb_array_length(sub));
        for i in 0 .. hits - 1 loop
          errs := errs || @extschema@._jsonschema_errors(sub -> i, v -> i, root, at || '/' || i);
        end loop;
        sub := case when s ? 'prefixItems' then s -> 'items' else s -> 'additionalItems' end;
      else
        sub := s -> 'items';
      end if;
      if sub is not null and pg_catalog.jsonb_typeof(sub) <> 'array' then
        for i in hits .. n - 1 loop
          errs := errs || @extschema@._jsonschema_errors(sub, v -> i, root, at || '/' || i);
        end loop;
      end if;
      if s ? 'contains' then
        hits := 0;
        for i in 0 .. n - 1 loop
          if pg_catalog.cardinality(@extschema@._jsonschema_errors(s -> 'contains', v -> i, root, at)) = 0 then
            hits := hits + 1;
          end if;
        end loop;
        if hits < coalesce((s ->> 'minContains')::integer, 1) then
          errs := errs || (where_ || ': too few items match the contains schema');
        end if;
        if s ? 'maxContains' and hits > (s ->> 'maxContains')::integer then
          errs := errs || (where_ || ': too many items match the contains schema');
        end if;
      end if;
    end if;
    -- objects
    if kind = 'object' then
      for prop in select pg_catalog.jsonb_array_elements_text(coalesce(s -> 'required', '[]')) loop
        if not v ? prop then
          errs := errs || (where_ || ': "' || prop || '" is a required property');
        end if;
      end loop;
      n := (select count(*) from pg_catalog.jsonb_object_keys(v));
      if s ? 'minProperties' and n < (s ->> 'minProperties')::integer then
        errs := errs || (where_ || ': has fewer than ' || (s ->> 'minProperties') || ' properties');
      end if;
      if s ? 'maxProperties' and n > (s ->> 'maxProperties')::integer then
        errs := errs || (where_ || ': has more than ' || (s ->> 'maxProperties') || ' properties');
      end if;
      for prop, item in select e.key, e.value from pg_catalog.jsonb_each(v) e loop
        hits := 0;
        if s -> 'properties' ? prop then
          hits := 1;
          errs := errs || @extschema@._jsonschema_errors(s -> 'properties' -> prop, item, root, at || '/' || prop);
        end if;
        for sub in select p.value from pg_catalog.jsonb_each(coalesce(s -> 'patternProperties', '{}')) p
                   where prop ~ p.key loop
          hits := 1;
          errs := errs || @extschema@._jsonschema_errors(sub, item, root, at || '/' || prop);
        end loop;
        if hits = 0 and s ? 'additionalProperties' then
          if s -> 'additionalProperties' = 'false'::jsonb then
            errs := errs || (where_ || ': additional property "' || prop || '" is not allowed');
          else
            errs := errs || @extschema@._jsonschema_errors(s -> 'additionalProperties', item, root, at || '/' || prop);
          end if;
        end if;
        if s ? 'propertyNames' then
          errs := errs || @extschema@._jsonschema_errors(s -> 'propertyNames', pg_catalog.to_jsonb(prop), root,
                                                         at || '/' || prop);
        end if;
        sub := coalesce(s -> 'dependentRequired' -> prop,
                        case when pg_catalog.jsonb_typeof(s -> 'dependencies' -> prop) = 'array'
                             then s -> 'dependencies' -> prop end);
        if sub is not null then
          for item in select pg_catalog.jsonb_array_elements(sub) loop
            if not v ? (item #>> '{}') then
              errs := errs || (where_ || ': "' || (item #>> '{}') || '" is required when "' || prop || '" is present');
            end if;
          end loop;
        end if;
        sub := coalesce(s -> 'dependentSchemas' -> prop,
                        case when pg_catalog.jsonb_typeof(s -> 'dependencies' -> prop) in ('object', 'boolean')
                             then s -> 'dependencies' -> prop end);
        if sub is not null then
          errs := errs || @extschema@._jsonschema_errors(sub, v, root, at);
        end if;
      end loop;
    end if;
    -- combinations
    for sub in select pg_catalog.jsonb_array_elements(coalesce(s -> 'allOf', '[]')) loop
      errs := errs || @extschema@._jsonschema_errors(sub, v, root, at);
    end loop;
    if s ? 'anyOf' and not exists (
        select from pg_catalog.jsonb_array_elements(s -> 'anyOf') a
        where pg_catalog.cardinality(@extschema@._jsonschema_errors(a, v, root, at)) = 0) then
      errs := errs || (where_ || ': ' || v::text || ' matches none of anyOf');
    end if;
    if s ? 'oneOf' then
      hits := (select count(*) from pg_catalog.jsonb_array_elements(s -> 'oneOf') o
               where pg_catalog.cardinality(@extschema@._jsonschema_errors(o, v, root, at)) = 0);
      if hits <> 1 then
        errs := errs || (where_ || ': ' || v::text || ' matches ' || hits || ' of oneOf, not exactly one');
      end if;
    end if;
    if s ? 'not' and pg_catalog.cardinality(@extschema@._jsonschema_errors(s -> 'not', v, root, at)) = 0 then
      errs := errs || (where_ || ': ' || v::text || ' must not match the "not" schema');
    end if;
    if s ? 'if' then
      if pg_catalog.cardinality(@extschema@._jsonschema_errors(s -> 'if', v, root, at)) = 0 then
        if s ? 'then' then
          errs := errs || @extschema@._jsonschema_errors(s -> 'then', v, root, at);
        end if;
      elsif s ? 'else' then
        errs := errs || @extschema@._jsonschema_errors(s -> 'else', v, root, at);
      end if;
    end if;
    return errs;
  end
  $fn$;

-- What makes a schema malformed: a keyword whose value has the wrong shape, anywhere in it.
create function @extschema@._jsonschema_malformed(s jsonb) returns boolean
  language plpgsql immutable
  as $fn$
  declare
    kind text := pg_catalog.jsonb_typeof(s);
    kw text;
  begin
    if kind = 'boolean' then
      return false;
    end if;
    if kind is distinct from 'object' then
      return true;
    end if;
    if s ? 'type' and not (
        (pg_catalog.jsonb_typeof(s -> 'type') = 'string'
         and s ->> 'type' in ('null', 'boolean', 'object', 'array', 'number', 'string', 'integer'))
        or (pg_catalog.jsonb_typeof(s -> 'type') = 'array'
            and not exists (select from pg_catalog.jsonb_array_elements(s -> 'type') t
                            where t #>> '{}' not in ('null', 'boolean', 'object', 'array', 'number',
                                                     'string', 'integer')
                               or pg_catalog.jsonb_typeof(t) <> 'string'))) then
      return true;
    end if;
    foreach kw in array array['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties',
                               'maxProperties', 'minContains', 'maxContains'] loop
      if s ? kw and not (pg_catalog.jsonb_typeof(s -> kw) = 'number'
                          and (s ->> kw)::numeric >= 0
                          and (s ->> kw)::numeric = pg_catalog.trunc((s ->> kw)::numeric)) then
        return true;
      end if;
    end loop;
    foreach kw in array array['minimum', 'maximum', 'multipleOf'] loop
      if s ? kw and pg_catalog.jsonb_typeof(s -> kw) <> 'number' then
        return true;
      end if;
    end loop;
    if s ? 'multipleOf' and (s ->> 'multipleOf')::numeric <= 0 then
      return true;
    end if;
    if (s ? 'required' and (pg_catalog.jsonb_typeof(s -> 'required') <> 'array'
                            or exists (select from pg_catalog.jsonb_array_elements(s -> 'required') r
                                       where pg_catalog.jsonb_typeof(r) <> 'string')))
       or (s ? 'enum' and pg_catalog.jsonb_typeof(s -> 'enum') <> 'array')
       or (s ? 'pattern' and pg_catalog.jsonb_typeof(s -> 'pattern') <> 'string') then
      return true;
    end if;
    if s ? 'pattern' then
      begin
        perform '' ~ (s ->> 'pattern');
      exception when invalid_regular_expression then
        return true;
      end;
    end if;
    foreach kw in array array['properties', 'patternProperties', 'definitions', '$defs',
                               'dependentSchemas'] loop
      if s ? kw then
        if pg_catalog.jsonb_typeof(s -> kw) <> 'object'
           or exists (select from pg_catalog.jsonb_each(s -> kw) e
                      where @extschema@._jsonschema_malformed(e.value)) then
          return true;
        end if;
      end if;
    end loop;
    foreach kw in array array['allOf', 'anyOf', 'oneOf', 'prefixItems'] loop
      if s ? kw then
        if pg_catalog.jsonb_typeof(s -> kw) <> 'array' or pg_catalog.jsonb_array_length(s -> kw) = 0
           or exists (select from pg_catalog.jsonb_array_elements(s -> kw) a
                      where @extschema@._jsonschema_malformed(a)) then
          return true;
        end if;
      end if;
    end loop;
    foreach kw in array array['not', 'if', 'then', 'else', 'contains', 'propertyNames',
                               'additionalProperties', 'additionalItems'] loop
      if s ? kw and @extschema@._jsonschema_malformed(s -> kw) then
        return true;
      end if;
    end loop;
    if s ? 'items' and (case when pg_catalog.jsonb_typeof(s -> 'items') = 'array'
                             then exists (select from pg_catalog.jsonb_array_elements(s -> 'items') i
                                          where @extschema@._jsonschema_malformed(i))
                             else @extschema@._jsonschema_malformed(s -> 'items') end) then
      return true;
    end if;
    return false;
  end
  $fn$;

create function @extschema@.jsonschema_is_valid(schema json) returns boolean
  language sql immutable strict
  as $fn$ select not @extschema@._jsonschema_malformed(schema::jsonb) $fn$;

create function @extschema@.jsonschema_validation_errors(schema json, instance json) returns text[]
  language sql immutable strict
  as $fn$ select @extschema@._jsonschema_errors(schema::jsonb, instance::jsonb, schema::jsonb, '') $fn$;

create function @extschema@.json_matches_schema(schema json, instance json) returns boolean
  language sql immutable strict
  as $fn$
    select pg_catalog.cardinality(@extschema@._jsonschema_errors(schema::jsonb, instance::jsonb,
                                                                 schema::jsonb, '')) = 0
  $fn$;

create function @extschema@.jsonb_matches_schema(schema json, instance jsonb) returns boolean
  language sql immutable strict
  as $fn$
    select pg_catalog.cardinality(@extschema@._jsonschema_errors(schema::jsonb, instance, schema::jsonb, '')) = 0
  $fn$;

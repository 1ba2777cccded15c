"""The offline pg_jsonschema, pgjwt and http (dbharness/hosted/extensions) give the verdicts the
real extensions give, keyword by keyword."""

from __future__ import annotations

import json

import psycopg
import pytest


@pytest.fixture(scope="module")
def conn(server):
    from dbharness.builder import database
    from dbharness.hosted import compat

    with database.scratch(server, "offline_ext") as db:
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
        with psycopg.connect(db.conninfo(), autocommit=True) as c:  # as postgres, through the rules
            for name in ("pg_jsonschema", "pgjwt", "http"):
                c.execute(f"create extension {name} with schema extensions")
            yield c


# (schema, instance, whether it matches): each keyword passing and failing
SCHEMAS = [
    (True, 1, True), (False, 1, False), ({}, {"a": 1}, True),
    ({"type": "integer"}, 3, True), ({"type": "integer"}, 3.5, False), ({"type": "integer"}, 3.0, True),
    ({"type": "number"}, 3, True), ({"type": "string"}, 3, False), ({"type": ["string", "null"]}, None, True),
    ({"type": ["string", "null"]}, 1, False), ({"type": "object"}, [], False), ({"type": "boolean"}, False, True),
    ({"enum": ["a", 1, [2]]}, [2], True), ({"enum": ["a", 1, [2, 3]]}, [2], False), ({"enum": [1]}, 1.0, True),
    ({"const": {"a": 1}}, {"a": 1}, True), ({"const": {"a": 1}}, {"a": 2}, False),
    ({"minLength": 2}, "é", False), ({"maxLength": 1}, "é", True), ({"pattern": "^a+$"}, "aaa", True),
    ({"pattern": "b"}, "abc", True), ({"pattern": "^b"}, "abc", False), ({"minLength": 5}, 12, True),
    ({"minimum": 5}, 5, True), ({"minimum": 5}, 4.99, False), ({"exclusiveMinimum": 5}, 5, False),
    ({"maximum": 5, "exclusiveMaximum": True}, 5, False), ({"exclusiveMaximum": 5}, 4, True),
    ({"multipleOf": 0.5}, 2.5, True), ({"multipleOf": 2}, 3, False),
    ({"items": {"type": "integer"}}, [1, 2], True), ({"items": {"type": "integer"}}, [1, "2"], False),
    ({"prefixItems": [{"type": "string"}], "items": False}, ["a"], True),
    ({"prefixItems": [{"type": "string"}], "items": False}, ["a", 1], False),
    ({"items": [{"type": "string"}], "additionalItems": {"type": "integer"}}, ["a", 1, 2], True),
    ({"items": [{"type": "string"}], "additionalItems": {"type": "integer"}}, ["a", 1, "b"], False),
    ({"minItems": 2}, [1], False), ({"maxItems": 1}, [1], True), ({"uniqueItems": True}, [1, 1.0], False),
    ({"uniqueItems": True}, [{"a": 1}, {"a": 2}], True), ({"contains": {"const": 3}}, [1, 3], True),
    ({"contains": {"const": 3}}, [1, 2], False), ({"contains": {"const": 3}, "maxContains": 1}, [3, 3], False),
    ({"required": ["a", "b"]}, {"a": 1}, False), ({"required": ["a"]}, {"a": None}, True),
    ({"properties": {"a": {"type": "string"}}}, {"a": 1}, False), ({"properties": {"a": {"type": "string"}}}, {}, True),
    ({"properties": {"a": {}}, "additionalProperties": False}, {"a": 1, "b": 2}, False),
    ({"patternProperties": {"^x_": {"type": "integer"}}, "additionalProperties": False}, {"x_1": 1}, True),
    ({"patternProperties": {"^x_": {"type": "integer"}}}, {"x_1": "no"}, False),
    ({"additionalProperties": {"type": "integer"}}, {"a": 1, "b": "c"}, False),
    ({"propertyNames": {"maxLength": 2}}, {"abc": 1}, False), ({"minProperties": 1}, {}, False),
    ({"maxProperties": 1}, {"a": 1}, True), ({"dependentRequired": {"a": ["b"]}}, {"a": 1}, False),
    ({"dependencies": {"a": ["b"]}}, {"b": 1}, True), ({"dependentSchemas": {"a": {"required": ["c"]}}}, {"a": 1}, False),
    ({"allOf": [{"type": "integer"}, {"minimum": 2}]}, 1, False), ({"anyOf": [{"type": "string"}, {"minimum": 2}]}, 3, True),
    ({"anyOf": [{"type": "string"}, {"minimum": 2}]}, 1, False), ({"oneOf": [{"type": "integer"}, {"minimum": 2}]}, 3, False),
    ({"oneOf": [{"type": "integer"}, {"minimum": 2}]}, 1, True), ({"not": {"type": "string"}}, "a", False),
    ({"if": {"properties": {"k": {"const": "p"}}}, "then": {"required": ["n"]}, "else": {"required": ["m"]}},
     {"k": "p", "m": 1}, False),
    ({"if": {"properties": {"k": {"const": "p"}}}, "then": {"required": ["n"]}, "else": {"required": ["m"]}},
     {"k": "q", "m": 1}, True),
    ({"$defs": {"pos": {"minimum": 0}}, "properties": {"a": {"$ref": "#/$defs/pos"}}}, {"a": -1}, False),
    ({"definitions": {"node": {"properties": {"next": {"$ref": "#/definitions/node"}}, "required": ["v"]}},
      "$ref": "#/definitions/node"}, {"v": 1, "next": {"v": 2, "next": {}}}, False),
    ({"format": "email"}, "not an email", True),  # an annotation, as pg_jsonschema leaves it
]


@pytest.mark.parametrize("schema, instance, matches", SCHEMAS, ids=[json.dumps(s)[:50] for s, _, _ in SCHEMAS])
def test_json_schema_verdicts(conn, schema, instance, matches):
    row = conn.execute("select extensions.json_matches_schema(%s::json, %s::json), "
                       "extensions.jsonb_matches_schema(%s::json, %s::jsonb), "
                       "cardinality(extensions.jsonschema_validation_errors(%s::json, %s::json))",
                       [json.dumps(schema), json.dumps(instance)] * 3).fetchone()
    assert row[0] is matches and row[1] is matches and (row[2] == 0) is matches


@pytest.mark.parametrize("schema, valid", [
    ({"type": "object", "properties": {"a": {"type": "string"}}}, True), (True, True),
    ({"type": "nope"}, False), ({"minLength": -1}, False), ({"required": "a"}, False),
    ({"properties": {"a": {"type": 1}}}, False), ({"pattern": "("}, False), ({"anyOf": []}, False),
    ({"items": [{"type": "string"}, {"minimum": "x"}]}, False), (1, False),
])
def test_schema_validity(conn, schema, valid):
    assert conn.execute("select extensions.jsonschema_is_valid(%s::json)", [json.dumps(schema)]).fetchone() == (valid,)


def test_jwt_round_trip_claims_and_algorithms(conn):
    for algorithm in ("HS256", "HS384", "HS512"):
        row = conn.execute("select header ->> 'alg', payload ->> 'sub', valid from extensions.verify("
                           "extensions.sign('{\"sub\": \"u1\"}', 's3cret', %s), 's3cret', %s)",
                           (algorithm, algorithm)).fetchone()
        assert row == (algorithm, "u1", True)
    assert conn.execute("select valid from extensions.verify(extensions.sign("
                        "json_build_object('nbf', extract(epoch from now()) + 60), 'k'), 'k')").fetchone() == (False,)
    with pytest.raises(psycopg.Error, match="unsupported algorithm RS256"):
        conn.execute("select extensions.sign('{}', 'k', 'RS256')")


def test_http_records_requests_and_answers_offline(conn):
    with conn.transaction(force_rollback=True):
        status, body = conn.execute("select status, content from extensions.http_post("
                                    "'https://x.example/p', '{\"q\": 1}', 'application/json')").fetchone()
        assert status == 503 and "no request leaves this server" in body
        conn.execute("insert into extensions.http_offline_responses (method, uri_like, status, content) "
                     "values ('GET', 'https://x.example/%%', 200, 'hi')")
        assert conn.execute("select status, content from extensions.http_get('https://x.example/a', "
                            "'{\"k\": \"a b\"}')").fetchone() == (200, "hi")
        sent = conn.execute("select method, uri, content from extensions.http_offline_requests order by id").fetchall()
        assert sent == [("POST", "https://x.example/p", '{"q": 1}'), ("GET", "https://x.example/a?k=a%20b", None)]

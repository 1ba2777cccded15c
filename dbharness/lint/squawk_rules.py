"""Every rule of squawk (squawk-cli 2.70), classified: what it guards against decides when it
counts and at which level.

- TABLE: the statement locks, scans or rewrites a table (or type, domain) while it runs. No one can
  be waiting on a table that was created in the same run, so it is a hazard only on one the target
  already has.
- OBJECT: the statement drops, renames or changes an object that clients use (a column, a
  constraint, a function, a policy, ...). A hazard only on an object the target already has: what
  the run itself created has no clients yet, and a rollback dropping what its own up migration
  created is doing its job.
- ALWAYS: wrong wherever it runs (it fails at run time, or what it reaches cannot be known from
  the file).
- LATER: about what a creation will cost a later migration (a type that runs out, a domain whose
  constraint cannot be changed online). The statement harms nothing now: a warning.
- STYLE: how the file is written, not what it does to a live database: a warning.
- HARNESS: what the harness does itself around every file: never run.
A rule this table does not know (a newer squawk) is an ALWAYS error until it is classified.
"""

from __future__ import annotations

TABLE, OBJECT, ALWAYS, LATER, STYLE, HARNESS = "table", "object", "always", "later", "style", "harness"

RULES: dict[str, str] = {
    # locks, scans and rewrites of one table while the statement runs
    "adding-field-with-default": TABLE,  # a volatile default rewrites the table
    "adding-foreign-key-constraint": TABLE,  # validates every row under SHARE ROW EXCLUSIVE
    "adding-not-nullable-field": TABLE,
    "adding-required-field": TABLE,  # fails on existing rows, or rewrites
    "adding-serial-primary-key-field": TABLE,  # rewrite and index build under ACCESS EXCLUSIVE
    "changing-column-type": TABLE,  # rewrite under ACCESS EXCLUSIVE
    "constraint-missing-not-valid": TABLE,  # a full scan under ACCESS EXCLUSIVE
    "disallowed-unique-constraint": TABLE,  # an index build blocking reads
    "require-concurrent-index-creation": TABLE,  # blocks writes for the whole build
    "require-concurrent-partition-detach": TABLE,
    "ban-alter-domain-with-add-constraint": TABLE,  # scans every column of the domain
    "prefer-repack": TABLE,  # cluster / vacuum full (PostgreSQL 19 and later only)
    "ban-add-column": TABLE,  # opt-in: clients of the table see a new column
    "ban-new-write-restriction": TABLE,  # opt-in: writes that worked start failing
    "ban-alter-row-level-security": TABLE,  # opt-in: clients of the table lose or gain rows
    "ban-create-policy": TABLE,  # opt-in: the same, one policy at a time
    "ban-disable-trigger": TABLE,  # opt-in
    "ban-replica-identity": TABLE,  # opt-in: changes what replication sends
    "ban-detach-inheritance": TABLE,  # opt-in
    # drops, renames and changes of what clients use
    "ban-drop-table": OBJECT, "ban-drop-column": OBJECT, "ban-drop-constraint": OBJECT,
    "ban-drop-not-null": OBJECT, "ban-drop-default": OBJECT, "ban-drop-generated-expression": OBJECT,
    "ban-drop-view": OBJECT, "ban-drop-function": OBJECT, "ban-drop-type": OBJECT,
    "ban-drop-domain": OBJECT, "ban-drop-schema": OBJECT, "ban-drop-sequence": OBJECT,
    "ban-drop-extension": OBJECT, "ban-drop-index": OBJECT, "ban-drop-policy": OBJECT,
    "ban-drop-trigger": OBJECT,
    "require-concurrent-index-deletion": OBJECT,  # dropping an index nothing uses yet is instant
    "require-concurrent-reindex": OBJECT,
    "renaming-column": OBJECT, "renaming-table": OBJECT, "renaming-object": OBJECT,
    "ban-set-schema": OBJECT, "ban-alter-identity": OBJECT, "ban-alter-generated-expression": OBJECT,
    "ban-set-default": OBJECT, "ban-revoke": OBJECT, "ban-replace-view-function": OBJECT,
    "ban-alter-policy-condition": OBJECT, "ban-alter-policy-roles": OBJECT,
    "ban-alter-function-options": OBJECT, "ban-alter-view-options": OBJECT,
    "ban-alter-sequence-values": OBJECT, "ban-add-enum-value": OBJECT,
    "ban-add-composite-attribute": OBJECT, "ban-alter-extension": OBJECT,
    "ban-alter-role-options": OBJECT,
    # wrong wherever they run
    "ban-drop-database": ALWAYS,  # no migration creates the database it drops
    "ban-truncate-cascade": ALWAYS,  # it empties every table that refers to this one, old or new
    "ban-concurrent-index-creation-in-transaction": ALWAYS,  # PostgreSQL refuses it
    "transaction-nesting": ALWAYS, "ban-uncommitted-transaction": ALWAYS,
    "ban-duplicate-column-assignments": ALWAYS,  # PostgreSQL refuses it
    "ban-alter-system-options": ALWAYS, "ban-alter-database-options": ALWAYS,  # the whole server
    # The domain is new by definition (create domain), so "existing object" cannot decide it. What
    # squawk warns of is the next migration: a domain's constraint can be neither added NOT VALID
    # per table nor changed without scanning every column that uses it, and that migration is
    # judged when it comes (ban-alter-domain-with-add-constraint, a TABLE rule). Supabase's own
    # examples use domains with checks; refusing them now would refuse a harmless statement.
    "ban-create-domain-with-constraint": LATER,
    "prefer-bigint-over-int": LATER, "prefer-bigint-over-smallint": LATER,  # ids run out later
    "prefer-identity": LATER, "prefer-text-field": LATER, "prefer-timestamp-tz": LATER,
    "prefer-timestamptz": LATER, "ban-char-field": LATER,
    "prefer-robust-stmts": STYLE,  # a failed file leaves nothing behind here (one transaction)
    "identifier-too-long": STYLE,  # PostgreSQL truncates the name, and says so
    "require-enum-value-ordering": STYLE, "require-table-schema": STYLE,
    # the harness sets lock_timeout and statement_timeout around every file it applies
    "require-timeout-settings": HARNESS, "require-lock-timeout": HARNESS,
    "require-statement-timeout": HARNESS,
}

HARNESS_SETS = tuple(rule for rule, kind in RULES.items() if kind == HARNESS)


def kind(rule: str) -> str:
    """The class of a squawk rule (ALWAYS for one this table does not know)."""
    return RULES.get(rule, ALWAYS)


def level(rule: str) -> str:
    """warn for style and for what a creation costs later; error for the rest."""
    return "warn" if kind(rule) in (LATER, STYLE) else "error"


def on_existing_only(rule: str) -> bool:
    """True when the rule is a hazard only on an object the target already has."""
    return kind(rule) in (TABLE, OBJECT)

"""The harness's invoke tasks as one importable collection, `ns`.

A project's tasks.py needs one line, `from dbharness.tasks import ns`; the `dbharness` command
(dbharness.cli) runs the same collection without any tasks.py.
"""

from __future__ import annotations

from invoke import Collection

from dbharness.tasks import daily, tools

ns = Collection()
for _task in (daily.setup, daily.test, daily.lint, daily.rollback_check, daily.status, daily.promote,
              daily.rollback, daily.clean, tools.bench, tools.coverage, tools.scaffold_tests,
              tools.cli_check, tools.mutation):
    ns.add_task(_task)

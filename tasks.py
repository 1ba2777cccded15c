"""This repository's invoke tasks: the harness's own collection (`invoke --list` shows them)."""

from dbharness.tasks import ns  # noqa: F401

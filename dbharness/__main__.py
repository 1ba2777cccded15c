"""`python -m dbharness`: the same as the `dbharness` command."""

from dbharness.cli import entry

entry()

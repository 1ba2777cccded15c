"""Helpers for an application's own tests on a fresh migrated database (the pytest plugin's
fixtures give the database): acting as anon, a user or service_role, and creating users.

    from dbharness.testing import as_authenticated, create_user
"""

from dbharness.testing.roles import as_anon, as_authenticated, as_service_role, create_user

__all__ = ["as_anon", "as_authenticated", "as_service_role", "create_user"]

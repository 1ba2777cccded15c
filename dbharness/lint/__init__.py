"""Lint: squawk on the migration files, the Supabase security checks on the migrated database, and
which migrations already shipped."""

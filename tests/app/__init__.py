"""Tests of the application code (app/) on fresh databases from the dbharness pytest plugin."""

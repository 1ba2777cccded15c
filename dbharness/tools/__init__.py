"""The tools around the schema: setup, clean, cli-check, scaffold-tests and mutation testing."""

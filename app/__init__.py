"""The MT5 trading journal's Python code that writes to its database (the harness's first user)."""

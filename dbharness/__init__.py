"""The harness that proves the MT5 schema's migrations: engines, apply, pgTAP, rollback, lint, promote."""

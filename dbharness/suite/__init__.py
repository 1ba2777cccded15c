"""Running pgTAP files as pg_prove does: which files and how each runs, the runner, TAP read into
results, shards, the test deadline."""

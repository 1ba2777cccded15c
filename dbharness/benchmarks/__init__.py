"""Benchmarks (`dbharness bench`): the harness against pg_prove, synthetic suites, the watch loop's
latency, the migrations' locks under write load."""

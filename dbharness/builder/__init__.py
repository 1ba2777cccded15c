"""Building a database: one file applied with its history row, the CLI's history table, the one
path to a ready database, what a build reads as one key, and results kept by content."""

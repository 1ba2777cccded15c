"""SQL text, pure: statements split and classified by PostgreSQL's parser, the CLI's own splitter,
psql's script language, migration files found and ordered."""

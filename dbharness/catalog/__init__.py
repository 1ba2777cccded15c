"""The catalog read as data: a comparable snapshot of the user schemas and their rows, its diff,
and the schema's facts that coverage counts."""

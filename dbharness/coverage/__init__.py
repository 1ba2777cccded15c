"""Schema coverage: which facts of the schema the pgTAP suite pins, read from the assertions' parse
trees."""

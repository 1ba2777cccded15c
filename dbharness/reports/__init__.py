"""The edge's reports: every result turned into console lines and JUnit XML (nothing below this
layer prints or writes a report)."""

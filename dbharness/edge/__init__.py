"""The edge shared by the `dbharness` command and the invoke tasks: each verb declared once (its
options and help), run as arguments, one API call, reports and an exit code."""

"""The edge's handling of an interrupt: the process exits with the code the verb's run returns."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from dbharness.errors import INTERRUPTED

# A verb interrupted where dataclasses would be, inside code that exec() runs from a string (an
# import of a module with a dataclass, cut off by Ctrl-C or SIGTERM), run as `python -m` runs the
# command and invoke (there the interpreter checks its mark of an unhandled interrupt at exit).
SCRIPT = textwrap.dedent("""
    import sys
    from dbharness.edge.output import Output
    from dbharness.edge.run import execute
    from dbharness.edge.spec import Verb

    def interrupted(args, out):
        exec("raise KeyboardInterrupt")

    sys.exit(execute(Verb("demo", "a demo", "", interrupted), {}, Output()))
""")


def test_an_interrupt_inside_exec_of_a_string_still_exits_with_the_interrupted_code(tmp_path):
    (tmp_path / "interrupted_verb.py").write_text(SCRIPT)
    done = subprocess.run([sys.executable, "-m", "interrupted_verb"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == INTERRUPTED, (done.returncode, done.stdout, done.stderr)
    assert "interrupted: every started server was stopped and removed" in done.stderr + done.stdout

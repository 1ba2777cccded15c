"""The mutation report: scores per module, survivors located, the verdict against the bar."""

from dbharness.tools.mutation import ModuleScore, Survivor, lines, locate

SOURCE = '''def other():
    return 1


def target(x):
    y = x + 1
    return y


class K:
    def meth(self):
        return 2
'''.splitlines()


def test_a_survivor_is_found_from_its_functions_def():
    assert locate(SOURCE, "pkg.mod.x_target__mutmut_3", "    return y") == 7
    assert locate(SOURCE, "pkg.mod.xǁKǁmeth__mutmut_1", "        return 2") == 12
    assert locate(SOURCE, "pkg.mod.x_target__mutmut_1", "") == 5
    assert locate(SOURCE, "garbage", "nowhere") == 1


def test_scores_survivors_and_the_verdict():
    good = ModuleScore("a.py", killed=9, total=10)
    bad = ModuleScore("b.py", killed=8, total=10, survivors=[Survivor("k", "b.py:3", "x  ->  y")])
    assert (good.percent, ModuleScore("c.py").percent) == (90.0, 100.0)
    assert lines([good, bad], 90) == [
        "a.py: 9 of 10 killed (90.0%)",
        "b.py: 8 of 10 killed (80.0%)  BELOW 90%",
        "  survived b.py:3: x  ->  y",
        "mutation: below 90%: b.py"]
    assert lines([good], 90)[-1] == "mutation: every module at 90% or more"

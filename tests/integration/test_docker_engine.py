"""The docker engine against a real Docker daemon and the supabase/postgres stand-in (tests/docker).

Skipped, saying why, where no daemon answers. `.ci/run` starts one where it may (root, apt), so
CI runs these for real. The stand-in is built once from Debian's packages and reused by the hash
of its recipe; the tests point `docker_image` at its tag, never at the real image's name.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from dbharness.engines.docker import LABEL, DockerEngine, connect_client
from dbharness.errors import EngineError, PrerequisiteError
from dbharness.hosted import compat
from tests.docker import standin
from tests.support import REPO, copy_project, run_invoke


def _why_not() -> str | None:
    try:
        connect_client()
    except PrerequisiteError as exc:
        return str(exc)
    return None


WHY_NOT = _why_not()
pytestmark = [pytest.mark.docker,
              pytest.mark.skipif(WHY_NOT is not None, reason=f"docker engine not testable here: {WHY_NOT}")]


@pytest.fixture(scope="module")
def image() -> str:
    """The stand-in's tag, built on first use (about a minute)."""
    try:
        return standin.ensure()
    except RuntimeError as exc:
        pytest.fail(str(exc))


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout


def leftovers() -> tuple[set[str], set[str]]:
    """Containers carrying the harness's label, and every volume."""
    containers = set(docker("ps", "-aq", "--filter", f"label={LABEL}").split())
    return containers, set(docker("volume", "ls", "-q").split())


def test_compat_creates_nothing_the_image_has_and_migrations_run_as_postgres(image):
    with DockerEngine(image).running() as server, \
            psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
        users = admin.execute("select array_agg(attname::text order by attnum) from pg_attribute "
                              "where attrelid = 'auth.users'::regclass and attnum > 0").fetchone()
        uid = admin.execute("select prosrc from pg_proc where oid = 'auth.uid()'::regprocedure").fetchone()
        compat.install(admin)
        assert admin.execute("select array_agg(attname::text order by attnum) from pg_attribute "
                             "where attrelid = 'auth.users'::regclass and attnum > 0").fetchone() == users
        assert admin.execute("select prosrc from pg_proc where oid = 'auth.uid()'::regprocedure"
                             ).fetchone() == uid  # the bare image's: request.jwt.claim.sub only
        assert admin.execute("select to_regclass('storage.objects') is not null").fetchone() == (True,)
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            assert conn.execute("select current_user, rolsuper from pg_roles where rolname = current_user"
                                ).fetchone() == ("postgres", False)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("create table auth.mine (id int)")


def test_the_port_is_published_on_loopback_only(image):
    engine = DockerEngine(image)
    with engine.running():
        ports = json.loads(docker("inspect", engine.container.name))[0]["NetworkSettings"]["Ports"]
        assert {b["HostIp"] for b in ports["5432/tcp"]} == {"127.0.0.1"}


def test_the_full_mt5_suite_passes_on_the_stand_in(tmp_path, image):
    out = run_invoke("test", "--engine", "docker", "--junit", str(tmp_path / "pgtap.xml"), timeout=600,
                     env={"DBHARNESS_DOCKER_IMAGE": image})
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1] == "402 passed, 0 failed"


def test_rollback_check_passes_on_the_stand_in(tmp_path, image):
    out = run_invoke("rollback-check", "--engine", "docker", "--junit", str(tmp_path / "r.xml"), timeout=600,
                     env={"DBHARNESS_DOCKER_IMAGE": image})
    assert out.returncode == 0, out.stdout + out.stderr


def test_keep_then_clean_removes_the_container(image):
    before = leftovers()[0]
    kept = run_invoke("test", "--engine", "docker", "--keep", "--no-lint", timeout=600,
                      env={"DBHARNESS_DOCKER_IMAGE": image})
    assert kept.returncode == 0 and "Container kept running" in kept.stdout, kept.stdout + kept.stderr
    assert leftovers()[0] - before
    cleaned = run_invoke("clean")
    assert cleaned.returncode == 0 and leftovers()[0] == before


def test_a_container_that_exits_at_once_says_so_with_its_code_and_logs(image):
    broken = f"{standin.REPOSITORY}:exits"
    made = docker("create", image).strip()
    try:
        docker("commit", "--change", 'ENTRYPOINT ["/bin/sh", "-c", "echo bad configuration >&2; exit 3"]',
               made, broken)
    finally:
        docker("rm", made)
    before = leftovers()
    with pytest.raises(EngineError, match=r"exited \(exit code 3\) during startup; last log lines:\n"
                                          r"bad configuration"), DockerEngine(broken).running():
        pass
    assert leftovers() == before


def _start_test(root: Path, image: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DBHARNESS_ROOT": str(root), "DBHARNESS_DOCKER_IMAGE": image}
    return subprocess.Popen([sys.executable, "-m", "invoke", "test", "--engine", "docker"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("after", [0.2, 0.6, 1.0, 1.6, 2.5])
def test_sigterm_at_any_moment_of_startup_leaves_no_container_or_volume(image, after):
    before = leftovers()
    proc = _start_test(REPO, image)
    time.sleep(after)
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=120)
    # 0: it finished first; -15: the signal came before the task had started (no handler yet)
    assert proc.returncode in (0, 130, -signal.SIGTERM), output
    assert leftovers() == before, output


def test_sigterm_during_pgtap_reports_no_failures(tmp_path, image):
    root = copy_project(tmp_path)
    (root / "pgtap" / "zz_slow.test.sql").write_text(
        "begin;\nselect plan(1);\nselect pg_sleep(20);\nselect ok(true, 'slow');\nselect * from finish();\nrollback;\n")
    before = leftovers()
    proc = _start_test(root, image)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("ok "):  # the pgTAP phase has begun
            proc.send_signal(signal.SIGTERM)
            break
    lines += proc.stdout.readlines()
    proc.wait(timeout=120)
    output = "".join(lines)
    assert proc.returncode == 130, output
    assert "FAIL" not in output and "interrupted:" in output, output
    assert leftovers() == before

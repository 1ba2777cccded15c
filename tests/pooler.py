"""A real pgbouncer (Debian's package) in front of a throwaway server, on a free port of 127.0.0.1,
in the pool mode a test asks for; and a hot standby of a throwaway server (pg_basebackup and
standby.signal). Both are stopped and their directories removed when the test is done."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from dbharness.config import Storage
from dbharness.engines import cluster_cache
from dbharness.engines.base import Server
from dbharness.engines.cluster import LocalCluster, free_port, server_os_user
from dbharness.engines.pgbin import find_binaries

PGBOUNCER = shutil.which("pgbouncer") or next(
    (str(p) for p in (Path("/usr/sbin/pgbouncer"), Path("/usr/bin/pgbouncer")) if p.exists()), None)
READY = 20.0  # seconds for pgbouncer to answer a real query through it


def _owned_dir(prefix: str) -> Path:
    """A scratch directory the server's OS account owns (pgbouncer, like postgres, refuses root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=cluster_cache.scratch_dir(Storage.from_environment())))
    owner = server_os_user()
    if owner is not None:
        shutil.chown(path, owner.uid, owner.gid)
    return path


def _as_owner() -> dict[str, object]:
    owner = server_os_user()
    return {} if owner is None else {"user": owner.uid, "group": owner.gid, "extra_groups": []}


def _config(server: Server, port: int, mode: str, folder: Path) -> Path:
    (folder / "users.txt").write_text(f'"{server.user}" ""\n"{server.admin}" ""\n')
    ini = folder / "pgbouncer.ini"
    ini.write_text("\n".join([
        "[databases]", f"* = host=127.0.0.1 port={server.port}", "", "[pgbouncer]",
        "listen_addr = 127.0.0.1", f"listen_port = {port}", "unix_socket_dir =",
        "auth_type = trust", f"auth_file = {folder / 'users.txt'}", f"pool_mode = {mode}",
        f"logfile = {folder / 'pgbouncer.log'}", f"pidfile = {folder / 'pgbouncer.pid'}",
        "default_pool_size = 4", "server_reset_query = DISCARD ALL", ""]))
    return ini


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with psycopg.connect(url, connect_timeout=2, autocommit=True) as conn:
                conn.execute("select 1")
            return
        except psycopg.OperationalError:
            time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
    raise RuntimeError(f"pgbouncer did not answer within {READY:.0f}s:\n{tail}")


@contextmanager
def pgbouncer(server: Server, mode: str) -> Iterator[int]:
    """pgbouncer in pool_mode `mode` in front of server (every database, trust auth); yields its port."""
    assert PGBOUNCER is not None
    folder = _owned_dir("harness-test-pgbouncer-")
    port = free_port()
    ini = _config(server, port, mode, folder)
    proc = subprocess.Popen([PGBOUNCER, str(ini)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True, **_as_owner())  # type: ignore[call-overload]
    try:
        _wait_ready(f"postgresql://{server.user}@127.0.0.1:{port}/postgres", proc, folder / "pgbouncer.log")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def hot_standby(primary: Server) -> Iterator[Server]:
    """A hot standby of primary: pg_basebackup with -R (standby.signal, primary_conninfo), started
    by the harness's own local cluster code on a free port."""
    bins = find_binaries(None)
    folder = _owned_dir("harness-test-basebackup-")
    standby = LocalCluster(bins, server_os_user(), Storage.from_environment())
    try:
        out = subprocess.run([bins.path("pg_basebackup"), "-D", str(folder / "data"), "-R", "-X", "stream",
                              "-h", str(primary.socket_dir or primary.host), "-p", str(primary.port),
                              "-U", str(primary.admin), "--no-sync", "--checkpoint=fast"],
                             capture_output=True, text=True, **_as_owner())  # type: ignore[call-overload]
        assert out.returncode == 0, out.stderr
        standby.init(folder / "data")
        yield standby.start()
    finally:
        standby.destroy()
        shutil.rmtree(folder, ignore_errors=True)

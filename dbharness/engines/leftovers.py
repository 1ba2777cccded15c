"""What kept or killed local runs left: found by their owner record, stopped with pg_ctl, removed.

Only this user's runs are touched: a directory whose record names another user, or a harness
process that still runs and did not hand its server over (--keep), is left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from dbharness.config import Storage
from dbharness.engines import cluster_cache
from dbharness.engines.base import process_alive
from dbharness.engines.cluster import OWNER_FILE, PREFIX, server_os_user
from dbharness.progress import Progress


def owner_record(base: Path) -> dict | None:
    """The run's record (pid, uid, kept, pg_bindir), or None when there is none."""
    try:
        return json.loads((base / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return None


def ours(base: Path, record: dict | None) -> bool:
    """True when this user's harness made the directory."""
    if record is not None and "uid" in record:
        return int(record["uid"]) == os.geteuid()
    try:
        return (base / OWNER_FILE).stat().st_uid == os.geteuid()
    except OSError:
        return False


def in_use(record: dict | None) -> bool:
    """True when the harness process that made it still runs and did not hand it over (--keep)."""
    return record is not None and not record.get("kept") and process_alive(int(record.get("pid", 0)))


def stop(base: Path, record: dict | None) -> str | None:
    """Stop the cluster in base/data with pg_ctl (never a signal to a PID a stale file names);
    None when it is stopped, else why not."""
    data = base / "data"
    pid = _postmaster_pid(data)
    if pid is None or not _serves(pid, data):
        return None  # no server, or a stale file naming a process that is not this cluster's
    pg_ctl = Path(str((record or {}).get("pg_bindir", ""))) / "pg_ctl"
    if not pg_ctl.is_file():
        found = shutil.which("pg_ctl")
        pg_ctl = Path(found) if found else pg_ctl
    owner = server_os_user()
    extra = {"user": owner.uid, "group": owner.gid, "extra_groups": []} if owner else {}
    out = subprocess.run([str(pg_ctl), "stop", "-D", str(data), "-m", "fast", "-w", "-t", "15"],
                         capture_output=True, text=True, **extra)  # type: ignore[call-overload]
    said = (out.stderr or out.stdout).strip()
    if out.returncode == 0 or "No such process" in said or "is not running" in said:
        return None
    return said.splitlines()[-1] if said else f"pg_ctl exited {out.returncode}"


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _serves(pid: int, data: Path) -> bool:
    """True when pid is a live postgres serving data (checked in /proc where there is one)."""
    if not process_alive(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.parent.parent.is_dir() or not Path("/proc/self").exists():
        return True  # no /proc to check: let pg_ctl decide
    try:
        args = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return bool(args) and args[0].endswith(b"postgres") and str(data).encode() in args


def clean_leftovers(storage: Storage, report: Progress) -> int:
    """Stop the servers of this user's kept or killed runs and remove their directories."""
    count = 0
    for base in (b for d in cluster_cache.scratch_dirs(storage) for b in d.glob(PREFIX + "*") if b.is_dir()):
        record = owner_record(base)
        if not ours(base, record):
            continue
        if in_use(record):
            report(f"left {base}: a running harness process is using it")
            continue
        problem = stop(base, record)
        if problem:
            report(f"left {base}: its server would not stop ({problem})")
            continue
        shutil.rmtree(base, ignore_errors=True)
        report(f"removed {base}")
        count += 1
    return count

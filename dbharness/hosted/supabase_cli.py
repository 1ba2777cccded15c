"""The real Supabase CLI beside the harness: found or installed (npm, project-local), run with --db-url."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dbharness.errors import CheckFailed, PrerequisiteError
from dbharness.progress import Progress

VERSION = "2.117.0"  # the version the mixed workflows are tested with
LOCAL_DIR = ".supabase-cli"  # project-local npm prefix (git-ignored), never a global install

def local_binary(root: Path) -> Path:
    """Where `dbharness setup` installs the pinned CLI."""
    return root / LOCAL_DIR / "node_modules" / ".bin" / "supabase"


def find(root: Path) -> Path | None:
    """DBHARNESS_SUPABASE_CLI, else the project-local install, else none."""
    explicit = os.environ.get("DBHARNESS_SUPABASE_CLI")
    if explicit:
        return Path(explicit)
    path = local_binary(root)
    return path if path.exists() else None


def install_hint(root: Path) -> str:
    """The one command that installs the pinned CLI where the harness looks for it."""
    return (f"npm i -E supabase@{VERSION} --prefix {root / LOCAL_DIR} "
            "(Node.js and npm: apt-get install nodejs npm)")


def require(root: Path) -> Path:
    """The CLI, or a PrerequisiteError saying how to install it."""
    found = find(root)
    if found is None:
        raise PrerequisiteError("the Supabase CLI is not installed; run dbharness setup, or: "
                                + install_hint(root))
    return found


def install(root: Path, report: Progress) -> Path | None:
    """npm-install the pinned CLI into the project when npm is there; None (with a note) otherwise."""
    found = find(root)
    if found is not None:
        return found
    npm = shutil.which("npm")
    if npm is None:
        report(f"Supabase CLI: not installed (no npm); to install it: {install_hint(root)}")
        return None
    report(f"installing the Supabase CLI {VERSION} into {root / LOCAL_DIR} ...")
    out = subprocess.run([npm, "i", "-E", f"supabase@{VERSION}", "--prefix", str(root / LOCAL_DIR),
                          "--no-audit", "--no-fund"], capture_output=True, text=True)
    if out.returncode != 0 or not local_binary(root).exists():
        raise PrerequisiteError(f"npm could not install the Supabase CLI:\n{out.stderr.strip()[-1500:]}")
    return local_binary(root)


@dataclass(frozen=True)
class Outcome:
    """What one CLI command printed, and whether it succeeded."""

    args: list[str]
    code: int
    output: str


def run(root: Path, args: list[str], db_url: str | None = None, check: bool = True) -> Outcome:
    """Run `supabase ARGS [--db-url URL]` in the project; the URL never appears in what is returned."""
    cli = require(root)
    full = [str(cli), *args] + (["--db-url", db_url] if db_url else [])
    out = subprocess.run(full, cwd=root, capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, SUPABASE_TELEMETRY_DISABLED="1", DO_NOT_TRACK="1"))
    text = (out.stdout + out.stderr).replace(db_url, "<db-url>") if db_url else out.stdout + out.stderr
    if check and out.returncode != 0:
        what = " ".join(args)
        raise CheckFailed(f"supabase {what} failed (exit {out.returncode}):\n{text.strip()[-2000:]}")
    return Outcome(args, out.returncode, text)

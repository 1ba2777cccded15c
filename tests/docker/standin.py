"""The supabase/postgres stand-in image: built once from Debian's packages, reused by content hash.

`python -m tests.docker.standin` prints its tag, building it first when the daemon lacks it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXTENSIONS = HERE.parents[1] / "dbharness" / "hosted" / "extensions"
MODULE = HERE.parents[1] / "dbharness" / "hosted" / "server"
REPOSITORY = "dbharness-standin"


def recipe_files() -> list[Path]:
    """Everything the image is made from: the build script, entrypoint, init SQL, offline extensions
    and the server module's source."""
    return [HERE / "build.sh", HERE / "entrypoint.sh", HERE / "init.sql", *sorted(EXTENSIONS.iterdir()),
            *sorted(MODULE.iterdir())]


def tag() -> str:
    """The stand-in's tag: the hash of its recipe, so a changed recipe makes a new image."""
    h = hashlib.sha256()
    for path in recipe_files():
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{REPOSITORY}:{h.hexdigest()[:12]}"


def present(name: str) -> bool:
    """True when the daemon has the image."""
    return subprocess.run(["docker", "image", "inspect", name], capture_output=True).returncode == 0


def ensure() -> str:
    """The stand-in's tag, built now when the daemon does not have it (about a minute, as root)."""
    name = tag()
    if not present(name):
        out = subprocess.run(["bash", str(HERE / "build.sh"), name], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"building the stand-in image failed:\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
    return name


if __name__ == "__main__":
    try:
        print(ensure())
    except RuntimeError as exc:
        sys.exit(str(exc))

"""Choose the engine: local (default), docker, or auto (docker when it can run, saying why)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dbharness.engines.base import ClusterRecipe, Engine
from dbharness.errors import ConfigError
from dbharness.progress import quiet


def choose_engine(name: str, settings: Any, report: Callable[[str], None] | None = None,
                  base: Any = None, project: Any = None) -> Any:
    """Build the engine called name for these settings (project: the project's database, which
    the local engine keeps as a migrated cluster)."""
    say = report or (quiet)
    if name == "local":
        from dbharness.engines.local import LocalEngine

        return LocalEngine(settings.pg_bindir, say, base=base, project=project)
    if name == "docker":
        from dbharness.engines.docker import DockerEngine

        return DockerEngine(settings.docker_image, say)
    if name == "auto":
        from dbharness.engines.docker import docker_usable
        from dbharness.engines.local import LocalEngine

        ok, why = docker_usable(settings.docker_image)
        if ok:
            from dbharness.engines.docker import DockerEngine

            say(f"engine: docker ({why})")
            return DockerEngine(settings.docker_image, say)
        say(f"engine: local ({why})")
        return LocalEngine(settings.pg_bindir, say, base=base, project=project)
    raise ConfigError(f"unknown engine {name!r}: choose local, docker or auto")


def make_engine(name: str, settings: object, report: object = None,
                base: ClusterRecipe | None = None, project: ClusterRecipe | None = None) -> Engine:
    """Build the engine called name ('local', 'docker' or 'auto')."""
    return choose_engine(name, settings, report, base, project)  # type: ignore[arg-type]

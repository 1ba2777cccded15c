"""Choose the engine: local (default), docker, or auto (docker when it can run, saying why)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dbharness.engines.base import Engine, TemplateRecipe
from dbharness.errors import ConfigError
from dbharness.progress import quiet


def choose_engine(name: str, settings: Any, report: Callable[[str], None] | None = None,
                  template: Any = None, project: Any = None) -> Any:
    """Build the engine called name for these settings (project: the project's database, which
    the local engine caches as a migrated template)."""
    say = report or (quiet)
    if name == "local":
        from dbharness.engines.local import LocalEngine

        return LocalEngine(settings.pg_bindir, say, template=template, project=project)
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
        return LocalEngine(settings.pg_bindir, say, template=template, project=project)
    raise ConfigError(f"unknown engine {name!r}: choose local, docker or auto")


def make_engine(name: str, settings: object, report: object = None,
                template: TemplateRecipe | None = None, project: TemplateRecipe | None = None) -> Engine:
    """Build the engine called name ('local', 'docker' or 'auto')."""
    return choose_engine(name, settings, report, template, project)  # type: ignore[arg-type]

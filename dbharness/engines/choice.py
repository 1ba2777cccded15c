"""Choose the engine: local (default), docker, or auto (docker when it can run, saying why)."""

from __future__ import annotations

from dbharness.config import ENGINES, Settings
from dbharness.engines.base import ClusterRecipe, Engine
from dbharness.errors import ConfigError
from dbharness.progress import Progress, quiet


def _local(settings: Settings, report: Progress, base: ClusterRecipe | None,
           project: ClusterRecipe | None, keep_project: bool) -> Engine:
    from dbharness.engines.local import LocalEngine

    return LocalEngine(settings.pg_bindir, report, base=base, project=project, storage=settings.storage,
                       keep_project=keep_project)


def _docker(settings: Settings, report: Progress) -> Engine:
    from dbharness.engines.docker import DockerEngine

    return DockerEngine(settings.docker_image, report)


def make_engine(name: str, settings: Settings, report: Progress | None = None,
                base: ClusterRecipe | None = None, project: ClusterRecipe | None = None,
                keep_project: bool = True) -> Engine:
    """The engine called name ('local', 'docker' or 'auto') for these settings; base and project
    are what the local engine keeps as ready clusters (compat and pgTAP; the project's stages;
    keep_project False: its newest stage built in the server, not kept)."""
    say = report or quiet
    if name == "local":
        return _local(settings, say, base, project, keep_project)
    if name == "docker":
        return _docker(settings, say)
    if name == "auto":
        from dbharness.engines.docker import docker_usable

        ok, why = docker_usable(settings.docker_image)
        say(f"engine: {'docker' if ok else 'local'} ({why})")
        return _docker(settings, say) if ok else _local(settings, say, base, project, keep_project)
    raise ConfigError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")

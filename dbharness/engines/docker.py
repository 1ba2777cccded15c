"""The docker engine: the real supabase/postgres image through the docker SDK, always removed."""

from __future__ import annotations

import os
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from dbharness.engines.base import Server, process_alive, wait_ready
from dbharness.errors import EngineError, PrerequisiteError
from dbharness.progress import quiet

LABEL = "dev.dbharness"
READY_TIMEOUT = 120.0
READY_PAUSE = 0.5  # a container's entrypoint runs initdb first: no use asking more often
# How long a create that was cut off may still take on the daemon's side: with the vfs storage
# driver (CI sandboxes) a create copies the whole image: 10 s for the stand-in on an idle machine,
# over 20 s under load.
SETTLE_TIMEOUT = 90.0
DB_USER = "postgres"  # the project's role: not a superuser on the image, as on the platform
ADMIN_USER = "supabase_admin"  # the image's bootstrap superuser (its POSTGRES_USER)


def _docker() -> Any:
    import docker

    return docker


def socket_tried() -> str:
    """Where the SDK looks for the daemon: DOCKER_HOST, or the default Unix socket."""
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def connect_client(factory: Callable[[], Any] | None = None) -> Any:
    """A docker client that answered a ping, or a PrerequisiteError naming the socket tried."""
    try:
        client = (factory or _docker().from_env)()
        client.ping()
        return client
    except Exception as exc:  # the SDK raises DockerException, requests and OS errors alike
        raise PrerequisiteError(
            f"no Docker daemon answers at {socket_tried()} ({type(exc).__name__}: {str(exc)[:200]}). "
            "Start Docker, set DOCKER_HOST, or use --engine local") from None


def image_present(client: Any, image: str) -> bool:
    """True when the image is in the local image store."""
    try:
        client.images.get(image)
        return True
    except _docker().errors.ImageNotFound:
        return False


def ensure_image(client: Any, image: str, report: Callable[[str], None]) -> None:
    """Pull the image when missing; say the exact docker pull command when no registry answers."""
    if image_present(client, image):
        return
    report(f"pulling {image} (first use; this takes a while) ...")
    repo, _, tag = image.rpartition(":")
    try:
        client.images.pull(repo or image, tag=tag or None)
    except Exception as exc:
        raise PrerequisiteError(
            f"image {image} is not present and could not be pulled ({str(exc)[:200]}). "
            f"Run: docker pull {image}") from None


def docker_usable(image: str, factory: Callable[[], Any] | None = None) -> tuple[bool, str]:
    """For --engine auto: (True, why) when a daemon answers and the image is present locally."""
    try:
        client = connect_client(factory)
    except PrerequisiteError:
        return False, f"no Docker daemon answers at {socket_tried()}"
    if not image_present(client, image):
        return False, f"the daemon answers but {image} is not present locally (docker pull {image})"
    return True, f"the daemon answers and {image} is present"


def labels(run_id: str) -> dict[str, str]:
    """Labels on everything the harness starts, so dbharness clean finds leftovers."""
    return {LABEL: "1", f"{LABEL}.run": run_id, f"{LABEL}.pid": str(os.getpid()),
            f"{LABEL}.uid": str(os.geteuid()), f"{LABEL}.host": socket.gethostname()}


def exited(container: Any) -> EngineError:
    """The error for a container that stopped: its exit code and last log lines."""
    state = container.attrs.get("State", {}) or {}
    code = state.get("ExitCode", "?")
    return EngineError(f"container {container.name} exited (exit code {code}) during startup; "
                       f"last log lines:\n{logs_tail(container)}")


def host_port(container: Any) -> int:
    """The random 127.0.0.1 port docker bound to the container's 5432."""
    container.reload()
    if container.status in ("exited", "dead"):
        raise exited(container)
    bindings = (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get("5432/tcp") or []
    if not bindings:
        raise EngineError(f"container {container.name} has no published port for 5432")
    return int(bindings[0]["HostPort"])


def logs_tail(container: Any, lines: int = 20) -> str:
    """The container's last log lines, for error messages."""
    try:
        return container.logs(tail=lines).decode(errors="replace").strip() or "(no log output)"
    except Exception:
        return "(logs unavailable)"


class DockerEngine:
    """Runs supabase/postgres with a random password on a random 127.0.0.1 port."""

    name = "docker"

    def __init__(self, image: str, report: Callable[[str], None] | None = None,
                 client_factory: Callable[[], Any] | None = None) -> None:
        self.image = image
        self.report = report or (quiet)
        self.client_factory = client_factory
        self.container: Any = None
        self.built_from: str | None = None  # containers are built by each run: nothing is kept
        self.reused = False
        self.notes: tuple[str, ...] = ()

    def _create(self, client: Any, name: str, password: str) -> Any:
        """Create (not start) the container, so it is known before it can run."""
        try:
            return client.containers.create(
                self.image, detach=True, labels=labels(uuid.uuid4().hex),
                environment={"POSTGRES_PASSWORD": password},
                ports={"5432/tcp": ("127.0.0.1", None)}, name=name)
        except Exception as exc:
            raise EngineError(f"could not create a container of {self.image}: {str(exc)[:300]}") from None

    def _start(self, container: Any) -> None:
        try:
            container.start()
        except Exception as exc:
            text = str(exc)
            if "port is already allocated" in text or "address already in use" in text:
                raise EngineError(f"port conflict starting {self.image}: {text[:300]}") from None
            raise EngineError(f"could not start {self.image}: {text[:300]}") from None

    def _wait_ready(self, container: Any, server: Server) -> None:
        def gone() -> BaseException | None:
            container.reload()
            return exited(container) if container.status in ("exited", "dead") else None

        wait_ready(server.url(redact=False), gone, READY_TIMEOUT, READY_PAUSE, lambda: logs_tail(container))

    @contextmanager
    def running(self, keep: bool = False) -> Iterator[Server]:
        """A started container; removed with its volumes on exit, failure and Ctrl-C unless keep."""
        client = connect_client(self.client_factory)
        ensure_image(client, self.image, self.report)
        name, password = f"dbharness-{uuid.uuid4().hex[:10]}", secrets.token_urlsafe(18)
        container = None
        asked = False
        try:
            asked = True
            container = self._create(client, name, password)
            self.container = container
            self._start(container)
            server = Server("127.0.0.1", host_port(container), DB_USER, password, version=15,
                            admin=ADMIN_USER)
            self._wait_ready(container, server)
            yield server
        except BaseException:
            # also when the interruption came before create() returned: find it by its name
            if container is not None:
                remove(container)
            elif asked:
                remove_named(client, name)
            raise
        if keep:
            self.report(f"Container kept running: {container.name} at {server.url()} "
                        "(password: docker inspect it; remove with dbharness clean)")
        else:
            remove(container)

    def check_alive(self) -> None:
        """Raise EngineError with the logs when the container has stopped under us."""
        if self.container is None:
            return
        self.container.reload()
        if self.container.status != "running":
            raise EngineError(f"container {self.container.name} stopped:\n{logs_tail(self.container)}")


def remove(container: Any) -> None:
    """Remove a container and its anonymous volumes, whatever its state."""
    with suppress(Exception):
        container.remove(v=True, force=True)


def remove_named(client: Any, name: str, settle: float = SETTLE_TIMEOUT) -> None:
    """Remove the container called name, which the daemon may still be making: a create cut off
    by Ctrl-C or SIGTERM goes on on the daemon's side, so look for it until it is gone or the
    daemon has had time to finish."""
    deadline = time.monotonic() + settle
    while True:
        try:
            found = client.containers.get(name)
        except _docker().errors.NotFound:
            found = None
        except Exception:
            return
        if found is not None:
            remove(found)
            return
        if time.monotonic() >= deadline:
            return
        time.sleep(0.25)


def clean_containers(report: Callable[[str], None], factory: Callable[[], Any] | None = None) -> int:
    """Remove the containers this user's harness runs on this machine started and left: the run is
    over (its process is gone) or handed the container over (--keep). Nobody else's, never a live
    run's."""
    try:
        client = connect_client(factory)
    except PrerequisiteError:
        return 0
    count = 0
    mine = {f"{LABEL}.uid": str(os.geteuid()), f"{LABEL}.host": socket.gethostname()}
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        if any(container.labels.get(k) != v for k, v in mine.items()):
            continue
        pid = int(container.labels.get(f"{LABEL}.pid", "0") or 0)
        kept = container.labels.get(f"{LABEL}.kept") == "1"
        if pid and pid != os.getpid() and process_alive(pid) and not kept:
            report(f"left container {container.name}: harness process {pid} is still running")
            continue
        remove(container)
        report(f"removed container {container.name}")
        count += 1
    return count


"""The docker engine's decisions against a fake at the boundary of the docker SDK."""

from __future__ import annotations

from types import SimpleNamespace

import docker
import pytest

from dbharness import config
from dbharness.engines import docker as dengine
from dbharness.engines.choice import make_engine
from dbharness.errors import EngineError, PrerequisiteError
from dbharness.progress import quiet


class FakeContainer:
    def __init__(self, status="running", port="54999", logs=b"PostgreSQL init process complete"):
        self.name = "dbharness-fake"
        self.status = status
        self.attrs = {"NetworkSettings": {"Ports": {"5432/tcp": [{"HostIp": "127.0.0.1", "HostPort": port}]}}}
        self._logs = logs
        self.removed = None
        self.labels = {}
        self.start_error = None
        self.started = False
        if status == "exited":
            self.attrs["State"] = {"ExitCode": 1}

    def reload(self):
        return None

    def start(self):
        if self.start_error:
            raise self.start_error
        self.started = True

    def logs(self, tail):
        return self._logs

    def remove(self, v, force):
        self.removed = (v, force)


class FakeImages:
    def __init__(self, present, pull_error=None):
        self.present = set(present)
        self.pull_error = pull_error
        self.pulled = []

    def get(self, name):
        if name not in self.present:
            raise docker.errors.ImageNotFound(f"No such image: {name}")
        return SimpleNamespace(tags=[name])

    def pull(self, repo, tag=None):
        if self.pull_error:
            raise self.pull_error
        self.pulled.append(f"{repo}:{tag}")
        self.present.add(f"{repo}:{tag}")


class FakeContainers:
    def __init__(self, container=None, error=None):
        self.container = container or FakeContainer()
        self.container.start_error = error
        self.run_kwargs = None

    def create(self, image, **kwargs):
        self.run_kwargs = dict(kwargs, image=image)
        self.container.name = kwargs["name"]
        return self.container

    def get(self, name):
        if name != self.container.name:
            raise docker.errors.NotFound(name)
        return self.container

    def list(self, all, filters):
        return [self.container]


class FakeClient:
    def __init__(self, images=(), ping_error=None, containers=None, pull_error=None):
        self.images = FakeImages(images, pull_error)
        self.containers = containers or FakeContainers()
        self.ping_error = ping_error

    def ping(self):
        if self.ping_error:
            raise self.ping_error
        return True


IMAGE = "supabase/postgres:15.8.1.085"


def test_default_image_matches_the_supabase_cli_pin(tmp_path):
    assert config.load(tmp_path).docker_image == IMAGE


def test_no_daemon_names_the_socket_tried(monkeypatch):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    fake = FakeClient(ping_error=docker.errors.DockerException("Error while fetching server API version"))
    with pytest.raises(PrerequisiteError, match=r"no Docker daemon answers at unix:///var/run/docker.sock"):
        dengine.connect_client(lambda: fake)


def test_auto_chooses_docker_only_with_daemon_and_image(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")
    settings = config.load(tmp_path)
    said: list[str] = []
    assert dengine.docker_usable(IMAGE, lambda: FakeClient([IMAGE]))[0] is True
    ok, why = dengine.docker_usable(IMAGE, lambda: FakeClient([]))
    assert not ok and f"docker pull {IMAGE}" in why
    ok, why = dengine.docker_usable(IMAGE, lambda: FakeClient(ping_error=OSError("refused")))
    assert not ok and "no Docker daemon answers" in why
    engine = make_engine("auto", settings, said.append)  # DOCKER_HOST names a socket nobody serves
    assert engine.name == "local"
    assert said[0].startswith(f"engine: local (no Docker daemon answers at unix://{tmp_path}/no-daemon.sock")


def test_missing_image_and_no_registry_says_the_pull_command():
    fake = FakeClient([], pull_error=docker.errors.APIError("registry unreachable"))
    with pytest.raises(PrerequisiteError, match=rf"Run: docker pull {IMAGE}"):
        dengine.ensure_image(fake, IMAGE, quiet)


def test_missing_image_is_pulled_when_a_registry_answers():
    fake = FakeClient([])
    dengine.ensure_image(fake, IMAGE, quiet)
    assert fake.images.pulled == [IMAGE]


def test_container_gets_labels_random_password_and_a_loopback_port():
    fake = FakeClient([IMAGE])
    engine = dengine.DockerEngine(IMAGE, client_factory=lambda: fake)
    container = engine._create(fake, "dbharness-a", "p" * 24)
    kwargs = fake.containers.run_kwargs
    assert kwargs["image"] == IMAGE and kwargs["detach"] is True and kwargs["name"] == "dbharness-a"
    assert kwargs["ports"] == {"5432/tcp": ("127.0.0.1", None)}
    assert kwargs["environment"]["POSTGRES_PASSWORD"] == "p" * 24
    assert kwargs["labels"][dengine.LABEL] == "1" and dengine.LABEL + ".run" in kwargs["labels"]
    assert not container.started  # created first, started inside the protected block
    assert dengine.host_port(container) == 54999


def test_each_run_gets_its_own_random_password_and_name(monkeypatch):
    fake = FakeClient([IMAGE])
    engine = dengine.DockerEngine(IMAGE, client_factory=lambda: fake)
    monkeypatch.setattr(engine, "_wait_ready", lambda c, s: None)
    seen = []
    for _ in range(2):
        with engine.running() as server:
            seen.append((server.password, fake.containers.run_kwargs["name"]))
            assert (server.user, server.admin) == ("postgres", "supabase_admin")
    assert seen[0][0] != seen[1][0] and len(seen[0][0]) >= 20 and seen[0][1] != seen[1][1]


def test_port_conflict_is_worded():
    fake = FakeClient([IMAGE], containers=FakeContainers(error=docker.errors.APIError(
        "Bind for 127.0.0.1:5432 failed: port is already allocated")))
    engine = dengine.DockerEngine(IMAGE, client_factory=lambda: fake)
    with pytest.raises(EngineError, match="port conflict starting supabase/postgres"), engine.running():
        pass
    assert fake.containers.container.removed == (True, True)  # created, failed to start: removed


def test_a_container_that_exits_reports_its_logs_and_is_removed(monkeypatch):
    dead = FakeContainer(status="exited", logs=b"FATAL: could not write lock file")
    fake = FakeClient([IMAGE], containers=FakeContainers(container=dead))
    engine = dengine.DockerEngine(IMAGE, client_factory=lambda: fake)
    with pytest.raises(EngineError, match=r"exited \(exit code 1\) during startup; last log lines:\n"
                                          "FATAL: could not write lock file"), engine.running():
        pass
    assert dead.removed == (True, True)


def test_an_interruption_before_create_returns_removes_the_container_by_name(monkeypatch):
    fake = FakeClient([IMAGE])
    made = fake.containers.container

    def create_then_interrupted(image, **kwargs):
        made.name = kwargs["name"]  # the daemon made it; the answer never arrived
        raise KeyboardInterrupt

    monkeypatch.setattr(fake.containers, "create", create_then_interrupted)
    with pytest.raises(KeyboardInterrupt), dengine.DockerEngine(IMAGE, client_factory=lambda: fake).running():
        pass
    assert made.removed == (True, True)


def test_clean_removes_labelled_leftovers_of_dead_runs():
    leftover = FakeContainer(status="exited")
    leftover.labels = {**dengine.labels("r1"), f"{dengine.LABEL}.pid": "999999"}
    fake = FakeClient(containers=FakeContainers(container=leftover))
    said: list[str] = []
    assert dengine.clean_containers(said.append, lambda: fake) == 1
    assert leftover.removed == (True, True)


def test_clean_leaves_other_users_hosts_and_live_runs_alone():
    import os

    cases = {"another user": {f"{dengine.LABEL}.uid": str(os.geteuid() + 1), f"{dengine.LABEL}.pid": "999999"},
             "another machine": {f"{dengine.LABEL}.host": "elsewhere", f"{dengine.LABEL}.pid": "999999"},
             "a live run, not running yet": {f"{dengine.LABEL}.pid": str(os.getppid())}}
    for why, override in cases.items():
        container = FakeContainer(status="created")
        container.labels = {**dengine.labels("r2"), **override}
        fake = FakeClient(containers=FakeContainers(container=container))
        assert dengine.clean_containers(quiet, lambda f=fake: f) == 0, why
        assert container.removed is None, why

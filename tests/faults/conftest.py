"""Real processes for the fault tests: a Redis server of the test's own (stopped and started to
make an outage, never the machine's shared one), Celery worker and beat processes on it and on
the test database, and the mail those workers send, as files."""

import contextlib
import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

# Polling only decides when to look again; every bound a test asserts is its own constant.
POLL_SECONDS = 0.1
START_SECONDS = 60  # a worker or a Redis server starting, on a busy CI machine
# What the workers are told: a task a killed worker held goes back to the queue after this long.
VISIBILITY_TIMEOUT_SECONDS = 10


def unavailable(reason: str) -> None:
    """Skip, or fail where CI requires the fault tests to run."""
    if os.environ.get("REQUIRE_INTEGRATION"):
        pytest.fail(reason)
    pytest.skip(reason)


def wait_for(predicate: Callable[[], object], what: str, seconds: float) -> float:
    """Poll until `predicate` holds; the seconds it took, or AssertionError after `seconds`."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(POLL_SECONDS)


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module", autouse=True)
def _postgresql() -> None:
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        unavailable(
            "the fault tests terminate PostgreSQL backends and share the test database with "
            "worker processes: run them with DATABASE_URL=postgres://…"
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own. Its append-only file is written at every command, as
    a broker's must be, so a stop and start loses no queued task."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for(self.answers, "the private Redis to start", START_SECONDS)

    def stop(self) -> None:
        """An outage: the server goes away, and connections to its port are refused."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=START_SECONDS)
            self.process = None

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory, _postgresql) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not on PATH: the fault tests start a Redis of their own")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _forget_connections() -> None:
    """Drop the connection and producer pools Celery built for the previous broker URL."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def private_redis(redis_server: RedisServer, settings) -> Iterator[RedisServer]:
    """This process on the private Redis as broker and cache, as a web process is in production;
    the server is up and empty at the start of each test."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.client().flushall()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = redis_server.url
    celery_app.conf.task_always_eager = False
    _forget_connections()
    try:
        yield redis_server
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
        _forget_connections()


class CeleryProcess:
    """`celery -A config worker|beat` in a process group of its own, so that a kill reaches
    the whole worker (its pool's children too), as when a machine or container dies."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *command, f"--logfile={log}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill(self) -> None:
        """SIGKILL to every process of the worker: nothing runs its shutdown code."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=START_SECONDS)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def count(self, task: str, outcome: str) -> int:
        """Log lines of `task` ending with `outcome` ("received", "succeeded in …")."""
        return sum(
            1
            for line in self.text().splitlines()
            if f"Task {task}[" in line and f"] {outcome}" in line
        )


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "mail"
    directory.mkdir()
    return directory


@pytest.fixture
def worker_media(tmp_path: Path, settings) -> Path:
    """Where workers write certificate PDFs; this process reads them from the same place."""
    directory = tmp_path / "media"
    directory.mkdir()
    settings.MEDIA_ROOT = directory
    return directory


@pytest.fixture
def celery_processes(
    transactional_db, private_redis: RedisServer, mail_dir: Path, worker_media: Path, tmp_path
) -> Iterator[Callable[..., CeleryProcess]]:
    """`start("worker", "--pool=prefork")` / `start("beat")`: a process on the test database
    and the private Redis, stopped at the end of the test (before the database is emptied)."""
    started: list[CeleryProcess] = []
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": private_redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": "filemail://",
        "EMAIL_FILE_PATH": str(mail_dir),
        "MEDIA_ROOT": str(worker_media),
        "BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        # A sweep here does at once what it leaves two minutes to the queued task in production.
        "TASK_SWEEP_GRACE_SECONDS": "0",
    }

    def start(kind: str, *options: str) -> CeleryProcess:
        number = len(started) + 1
        log = tmp_path / f"{kind}-{number}.log"
        if kind == "worker":
            command = [
                "worker",
                "--concurrency=1",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                f"--hostname=faults{number}-{os.getpid()}@%h",
                *options,
            ]
            ready = "ready."
        else:
            command = ["beat", "--loglevel=INFO", f"--schedule={tmp_path / 'beat'}", *options]
            ready = "beat: Starting"
        process = CeleryProcess(command, env, log)
        started.append(process)
        wait_for(lambda: ready in process.text(), f"the {kind} to start", START_SECONDS)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()


def mails(directory: Path) -> list[email.message.Message]:
    """Every message the workers' file backend wrote (a file may hold several)."""
    separator = "\n" + "-" * 79 + "\n"
    messages = []
    for path in sorted(directory.iterdir()):
        for chunk in path.read_text().split(separator):
            if chunk.strip():
                messages.append(email.message_from_string(chunk.lstrip("\n")))
    return messages


def mail_counts(directory: Path) -> Counter:
    """(recipient, subject) → how many messages were sent."""
    return Counter(
        (message["To"], str(make_header(decode_header(message["Subject"]))))
        for message in mails(directory)
    )

"""Load benchmark of the marketplace label API: gunicorn + PostgreSQL + Redis, driven by wrk.

    .venv/bin/python benchmarks/load/run.py            # 10k then 1M labels, ~30 minutes
    .venv/bin/python benchmarks/load/run.py --sizes 10000 --duration 5 --warmup 1   # quick
    .venv/bin/python benchmarks/load/run.py --sizes 1000000 --keep     # then, on the same labels:
    .venv/bin/python benchmarks/load/run.py --sizes 1000000 --reuse --keep --endpoints c,e

One run: creates the database ``carbonlabel_bench`` (dropped at the end unless --keep), migrates
it, seeds the demo (one real approved application with a signed label), creates a marketplace API
key, and for every size tops the label table up with ``benchmarks/seed_labels.py`` (COPY), starts
gunicorn with the production settings (DJANGO_DEBUG=false, Redis cache, throttling on with rates
too high to cut in), and drives every endpoint with wrk at 32 connections for a fixed time after
a warm-up. It then counts the SQL queries of each endpoint in-process, measures how long a status
change takes to show on the running server, profiles one lookup in-process, and prints one table
with requests/s, p50 and p99, the ratio to the bare Django view, the 1M/10k latency ratio and
the goals met or not.

Every lookup, the batch, the badge and the public page read the label's stored answer
(labels/stored.py): one query with the log's head, at most one more for the upper nodes of its
proofs (the rest of each proof is stored with the answer). The
endpoints draw their keys from a sample of 20,000 labels; (z) is real traffic over every label
from a cold start (mix.lua: labels drawn by Zipf's law, s = 1.1; 60 % public pages, 30 % API
lookups, 10 % badges): the server is restarted and Redis emptied, then (z) is its first minute
and (z2) the minute after.

Other processes on the machine (other people's test runs) take CPU from the server: before each
endpoint the runner waits for quiet (bounded), and every figure shows the share of the CPU other
processes used while it was measured. The machine's speed also drifts, by tens of percent over
minutes, with nothing on it to show why: each endpoint's ratio to (a) is therefore taken to the
(a) measured just before and just after it (--reference-duration seconds each).

With ``--proxy`` Varnish runs in front of gunicorn with docker/varnish/default.vcl, as
docker/compose.yaml deploys it, and a Celery worker sends its bans while a status change is
timed: every endpoint but (a) is then measured through the cache, (a) on gunicorn itself.

The load generator shares the machine's cores with gunicorn, PostgreSQL and Redis: figures are
for this machine only, and lower than with the generator elsewhere.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import cProfile
import hashlib
import io
import json
import os
import pstats
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
sys.path.insert(0, str(ROOT))
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

VARNISHD = "/usr/sbin/varnishd"
VARNISHSTAT = "/usr/bin/varnishstat"
VCL = ROOT / "docker" / "varnish" / "default.vcl"
VCL_BACKEND = ('.host = "web";', '.port = "8000";')
DB_NAME = "carbonlabel_bench"
PG = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
HIGH_RATE = "1000000/second"  # per-second windows: DRF's throttle history stays ≤ 1 s of calls
KEY_SAMPLE = 20_000  # labels the load generator picks from at random
POPULAR = 100  # the first labels of the sample, which (ch) asks for
BATCH_SIZE = 100

# Goals of the issue.
GOAL_RATIO = 0.9
GOAL_P99_MS = 50.0
GOAL_BATCH_FACTOR = 3.0
GOAL_BATCH_QUERIES = 3
GOAL_SCALE_FACTOR = 1.2
GOAL_PROPAGATION_S = 1.0
GOAL_UNCACHED_LOOKUP_RATIO = 0.5
GOAL_UNCACHED_PAGE_RATIO = 0.25
GOAL_MIX_RATIO = 0.8
MIX_SECONDS = 60  # each minute of the Zipf mix


@dataclass
class Endpoint:
    key: str
    name: str
    script: str  # get.lua or batch.lua
    pattern: str = ""
    keys: str = ""  # "serials", "popular", "gtins" or (the mix) "all"
    api_key: bool = True
    batch_path: str = "/api/v1/labels/batch/"
    header: str = ""  # one more request header, "Name: value"


ENDPOINTS = [
    Endpoint("a", "bare Django view, constant JSON", "get.lua", "/bench/constant/", api_key=False),
    Endpoint("b", "plain DRF ModelViewSet retrieve", "get.lua", "/bench/drf/labels/%s/", "serials"),
    Endpoint("c", "label lookup by serial", "get.lua", "/api/v1/labels/%s/", "serials"),
    # The same lookup of a few popular labels, asked again and again: what a cache keeps.
    Endpoint(
        "ch",
        f"lookup by serial, {POPULAR} popular labels",
        "get.lua",
        "/api/v1/labels/%s/",
        "popular",
    ),
    Endpoint("d", "labels by GTIN", "get.lua", "/api/v1/gtins/%s/labels/", "gtins"),
    Endpoint("e", f"batch of {BATCH_SIZE} serials", "batch.lua", keys="serials"),
    Endpoint("f", "public page", "get.lua", "/labels/%s/", "serials", api_key=False),
    Endpoint("g", "badge.svg", "get.lua", "/api/v1/labels/%s/badge.svg", "serials"),
    # Real traffic over every label (mix.lua): Zipf-distributed labels, 60 % pages, 30 % API
    # lookups, 10 % badges, from a cold start (the server restarted, its cache emptied), then
    # the minute after.
    Endpoint("z", "Zipf mix over all labels, first minute from cold", "mix.lua", keys="all"),
    Endpoint("z2", "Zipf mix over all labels, second minute", "mix.lua", keys="all"),
]
ANONYMOUS_LOOKUP = Endpoint(
    "c0",
    "lookup by serial, anonymous",
    "get.lua",
    "/api/v1/labels/%s/",
    "serials",
    api_key=False,
)


@dataclass
class WrkResult:
    rps: float = 0.0
    p50: float = 0.0  # milliseconds
    p75: float = 0.0
    p90: float = 0.0
    p99: float = 0.0
    requests: int = 0
    errors: int = 0  # non-2xx/3xx answers plus socket errors
    others: float = 0.0  # share of the machine's CPU used by processes not of the benchmark
    beside_a: float = 0.0  # (a)'s rate measured just before and just after this run (mean)
    kept: float | None = None  # with --proxy: the share of requests Varnish answered itself
    cpu: dict[str, float] = field(default_factory=dict)  # CPU ms per request, by part (PARTS)
    raw: str = field(default="", repr=False)

    def ratio(self, base: float) -> float:
        """The rate ÷ (a)'s: the (a) measured beside it where there is one (the machine's speed
        drifts by tens of percent over minutes; a pair measured together does not)."""
        return div(self.rps, self.beside_a or base)


@dataclass
class SizeResult:
    size: int
    seed_seconds: float = 0.0
    seed_rows_per_s: float = 0.0
    load: dict[str, WrkResult] = field(default_factory=dict)
    unloaded: dict[str, WrkResult] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    propagation: dict[str, dict[str, float]] = field(default_factory=dict)
    max_age: dict[str, int] = field(default_factory=dict)
    probe: dict[str, float] = field(default_factory=dict)


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.0f} s] {message}", flush=True)


# --- environment, database, processes ---------------------------------------------------------


def bench_env(args: argparse.Namespace, media: Path) -> dict[str, str]:
    def secret(name: str) -> bytes:
        """A throwaway secret of this benchmark database, the same on every run, so that
        --reuse reads what an earlier run encrypted (the bodies' signing keys) and signed."""
        return hashlib.sha256(f"carbonlabel-bench:{args.db}:{name}".encode()).digest()

    return {
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": f"{PG}/{args.db}",
        "REDIS_URL": args.redis_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "DJANGO_SECRET_KEY": "bench-throwaway-" + secret("secret").hex(),
        "LABEL_MASTER_KEY": base64.urlsafe_b64encode(secret("master")).decode(),
        "TRANSPARENCY_LOG_KEY": base64.b64encode(secret("log")).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LABEL_PUBLIC_HOST": f"127.0.0.1:{args.port}",
        "LABEL_PUBLIC_SCHEME": "http",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{args.port}",
        "API_RATE_ANON": HIGH_RATE,
        "API_RATE_USER": HIGH_RATE,
        "API_RATE_KEY": HIGH_RATE,
        "API_RATE_LABELS_ANON": HIGH_RATE,
        "CELERY_TASK_ALWAYS_EAGER": "false",  # status changes enqueue their PDF re-render only
        "MEDIA_ROOT": str(media),
        "LOG_LEVEL": "WARNING",
        # With --proxy: the platform tags its label reads and bans them at Varnish's second port.
        "LABEL_PROXY_URL": f"http://127.0.0.1:{args.purge_port}/" if args.proxy else "",
        # WhiteNoise warns that collectstatic has not run; the benchmark fetches no static file.
        "PYTHONWARNINGS": "ignore:No directory at",
    }


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def new_database(name: str) -> None:
    """The benchmark's database afresh: migrated, the demo seeded and a product family."""
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{name}"')
    log("migrating")
    manage("migrate", "--noinput")
    log("seed_demo (one approved application, one signed label) and the product family")
    manage("seed_demo", "--no-supervision", env={"CELERY_TASK_ALWAYS_EAGER": "true"})
    # A second certificate (three labels), whose status changes are timed: a change applies
    # to every label of the certificate, and the clones all share the first one.
    manage(
        "shell",
        "-c",
        "from accounts.models import User; from oversight.demo import seed_family_demo; "
        "seed_family_demo({user.username: user for user in User.objects.all()})",
        env={"CELERY_TASK_ALWAYS_EAGER": "true"},
    )


def manage(*command: str, env: dict[str, str] | None = None, echo: bool = True) -> str:
    return run_python(["manage.py", *command], env=env, echo=echo)


def seed_labels(total: int, per_gtin: int) -> str:
    """Top the label table up with the benchmarks' own COPY seeder."""
    script = str(BENCHMARKS / "seed_labels.py")
    output = run_python([script, "--total", str(total), "--per-gtin", str(per_gtin)])
    os.sync()  # the load's files written out by the kernel too, not under the measurements
    return output


def run_python(argv: list[str], env: dict[str, str] | None = None, echo: bool = True) -> str:
    process = subprocess.Popen(
        [str(PYTHON), *argv],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if echo and line.startswith("seed_labels"):
            log("  " + line.rstrip())
    if process.wait() != 0:
        sys.stdout.write("".join(lines[-40:]))
        raise SystemExit(f"{' '.join(argv)} failed")
    return "".join(lines)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    return found


def ensure_varnish() -> str:
    found = shutil.which("varnishd") or (VARNISHD if os.access(VARNISHD, os.X_OK) else None)
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        log("varnish is missing: apt-get install -y varnish")
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "varnish"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        found = VARNISHD if os.access(VARNISHD, os.X_OK) else None
    if not found:
        raise SystemExit("--proxy needs Varnish: apt-get install -y varnish")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


class Server:
    def __init__(
        self, args: argparse.Namespace, log_path: Path, env: dict[str, str] | None = None
    ) -> None:
        self.args = args
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.varnish: subprocess.Popen | None = None  # with --proxy
        self.varnish_name = ""  # its -n directory, for varnishstat
        self.log_path = log_path

    def start(self) -> None:
        command = [
            str(GUNICORN),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.args.port}",
            "--workers",
            str(self.args.workers),
            "--worker-class",
            self.args.worker_class,
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        if self.args.worker_class == "gthread":
            command += ["--threads", str(self.args.threads)]
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                gunicorn = f"http://127.0.0.1:{self.args.port}/healthz"
                with urllib.request.urlopen(gunicorn, timeout=2) as answer:
                    if answer.status == 200:
                        if self.args.proxy:
                            self._start_varnish()
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def cache_counts(self) -> tuple[int, int] | None:
        """Varnish's hits and all its client requests so far (None without it)."""
        if self.varnish is None or self.varnish.poll() is not None:
            return None
        fields = ("MAIN.cache_hit", "MAIN.client_req")
        output = subprocess.run(
            [VARNISHSTAT, "-1", "-n", self.varnish_name, *(f"-f{name}" for name in fields)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        values = {line.split()[0]: int(line.split()[1]) for line in output.splitlines() if line}
        return values[fields[0]], values[fields[1]]

    def _start_varnish(self) -> None:
        """Varnish with the platform's configuration in front of gunicorn, its cache empty."""
        text = VCL.read_text()
        for line in VCL_BACKEND:
            if line not in text:
                raise SystemExit(f"{VCL} no longer holds {line!r}")
        directory = Path(tempfile.mkdtemp(prefix="carbonlabel-bench-varnish-"))
        self.varnish_name = str(directory / "work")
        vcl = directory / "default.vcl"
        vcl.write_text(
            text.replace(VCL_BACKEND[0], '.host = "127.0.0.1";').replace(
                VCL_BACKEND[1], f'.port = "{self.args.port}";'
            )
        )
        command = [
            self.args.varnishd,
            "-F",
            "-n",
            str(directory / "work"),
            "-a",
            f"127.0.0.1:{self.args.proxy_port}",
            "-a",
            f"purge=127.0.0.1:{self.args.purge_port}",
            "-f",
            str(vcl),
            "-s",
            "malloc,1g",
        ]
        if os.geteuid() == 0:  # as root it would switch to its own user
            command[1:1] = ["-j", "none"]
        with self.log_path.open("ab") as log_file:
            self.varnish = subprocess.Popen(
                command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise SystemExit("Varnish did not answer /healthz within 60 s")

    def groups(self) -> set[int]:
        """The process groups of gunicorn and, with --proxy, Varnish."""
        return {process.pid for process in (self.process, self.varnish) if process is not None}

    def url(self, path: str) -> str:
        """Where the load goes: Varnish with --proxy, else gunicorn."""
        port = self.args.proxy_port if self.args.proxy else self.args.port
        return f"http://127.0.0.1:{port}{path}"

    def direct(self, path: str) -> str:
        """gunicorn itself: (a), the bare Django view, is always measured there."""
        return f"http://127.0.0.1:{self.args.port}{path}"

    def stop(self) -> None:
        for process in (self.varnish, self.process):
            if process is not None and process.poll() is None:
                stop_group(process)


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process started in a session of its own, and its children."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- other processes on the machine -------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid → (CPU ticks, process group, command line) of every process."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        found[int(entry.name)] = (int(fields[11]) + int(fields[12]), int(fields[2]), command)
    return found


# The benchmark's own processes, by part, for the CPU each spends per request: where the
# machine's two cores go when an endpoint saturates them.
PARTS = ("web", "cache", "database", "redis", "wrk")


def part_of(command: str) -> str:
    name = command.split(" ", 1)[0]
    if "varnish" in name:
        return "cache"
    if command.startswith("postgres"):
        return "database"
    if "redis-server" in command:
        return "redis"
    if name.endswith("wrk"):
        return "wrk"
    return "web"  # gunicorn's process group


class OtherLoad:
    """CPU used by processes that are not the benchmark's (other people's test runs, say):
    whatever they use is taken from gunicorn, PostgreSQL and wrk, so it is measured and shown.
    The benchmark's are this process, gunicorn's process group (and Varnish's, with --proxy),
    the benchmark database's PostgreSQL backends, PostgreSQL's background processes and Redis.
    The same reading gives the benchmark's own CPU by part (``parts``, seconds)."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.groups: set[int] = set()
        self.budget = 300.0  # seconds of waiting for quiet in the whole run
        self.waited = 0.0
        self.parts: dict[str, float] = dict.fromkeys(PARTS, 0.0)  # CPU seconds, last window

    def ours(self, pid: int, group: int, command: str) -> bool:
        if pid == os.getpid() or group in self.groups or "redis-server" in command:
            return True
        if command.startswith("postgres"):
            return f" {self.db} " in command or "(" not in command  # client backends show "(port)"
        return command.split(" ", 1)[0].endswith("wrk")

    def start(self) -> None:
        self.begin = _processes()
        self.began = time.monotonic()

    def share(self) -> float:
        end = _processes()
        seconds = time.monotonic() - self.began
        used = 0
        self.parts = dict.fromkeys(PARTS, 0.0)
        for pid, (ticks, group, command) in end.items():
            spent = ticks - self.begin[pid][0] if pid in self.begin else ticks
            if not self.ours(pid, group, command):
                used += spent if pid in self.begin else 0
            elif pid != os.getpid():
                self.parts[part_of(command)] += spent / CLOCK_TICKS
        return used / CLOCK_TICKS / (seconds * (os.cpu_count() or 1)) if seconds else 0.0

    def wait_quiet(self, threshold: float, timeout: float) -> float:
        """Wait until other processes use less than `threshold` of the machine (sampled over a
        second), at most `timeout` seconds; return the last share seen."""
        began = time.monotonic()
        deadline = began + max(min(timeout, self.budget - self.waited), 0)
        announced = False
        while True:
            self.start()
            time.sleep(1)
            share = self.share()
            if share < threshold or time.monotonic() >= deadline:
                self.waited += time.monotonic() - began
                if share >= threshold:
                    log(f"  other processes still use {share:.0%} of the CPU; measuring anyway")
                return share
            if not announced:
                log(f"  other processes use {share:.0%} of the CPU; waiting up to {timeout:.0f} s")
                announced = True


OTHER_LOAD = OtherLoad(DB_NAME)


# --- wrk ---------------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    result = WrkResult(raw=output)
    for percent, name in (("50", "p50"), ("75", "p75"), ("90", "p90"), ("99", "p99")):
        match = re.search(rf"^\s+{percent}(?:\.0+)?%\s+(\S+)", output, re.MULTILINE)
        if match:
            setattr(result, name, _ms(match.group(1)))
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result.rps = float(match.group(1)) if match else 0.0
    match = re.search(r"(\d+) requests in", output)
    result.requests = int(match.group(1)) if match else 0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result.errors = int(match.group(1)) if match else 0
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if match:
        # Sync workers close every connection; wrk reconnects, so only connect/timeout count.
        result.errors += int(match.group(1)) + int(match.group(4))
    return result


def wrk(
    args: argparse.Namespace,
    server: Server,
    endpoint: Endpoint,
    files: dict[str, Path],
    api_key: str,
    *,
    seconds: float,
    connections: int,
) -> WrkResult:
    script = HERE / endpoint.script
    if endpoint.script == "batch.lua":
        script_args = [str(files["serials"]), api_key, str(BATCH_SIZE), endpoint.batch_path]
    elif endpoint.script == "mix.lua":
        script_args = [str(files["all"]), api_key]
    else:
        keys = str(files[endpoint.keys]) if endpoint.keys else "-"
        script_args = [endpoint.pattern, keys, api_key if endpoint.api_key else "", endpoint.header]
    command = [
        args.wrk,
        f"-t{min(args.threads_wrk, connections)}",
        f"-c{connections}",
        f"-d{max(round(seconds), 1)}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(script),
        server.direct("") if endpoint.key == "a" else server.url(""),
        "--",
        *script_args,
    ]
    load = OTHER_LOAD
    load.groups = server.groups()
    counted = None if endpoint.key == "a" else server.cache_counts()
    load.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = parse_wrk(output)
    result.others = load.share()
    # wrk has exited by now, so /proc no longer shows it: its CPU is the children's usage.
    load.parts["wrk"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if result.requests:
        result.cpu = {part: s * 1000 / result.requests for part, s in load.parts.items()}
    now = server.cache_counts()
    if counted is not None and now is not None:
        result.kept = div(now[0] - counted[0], now[1] - counted[1])
    return result


def reference(
    args: argparse.Namespace,
    server: Server,
    endpoint: Endpoint,
    files: dict[str, Path],
    api_key: str,
) -> float:
    """(a)'s rate measured now, beside another endpoint's run (0 for (a) itself)."""
    if endpoint.key == "a" or args.reference_duration <= 0:
        return 0.0
    return wrk(
        args,
        server,
        ENDPOINTS[0],
        files,
        api_key,
        seconds=args.reference_duration,
        connections=args.connections,
    ).rps


def run_pass(
    args: argparse.Namespace,
    server: Server,
    endpoints: list[Endpoint],
    files: dict[str, Path],
    api_key: str,
    size: int,
    notes: list[str],
) -> dict[str, WrkResult]:
    runs: dict[str, WrkResult] = {}
    for endpoint in endpoints:
        if endpoint.key == "z":
            runs.update(run_mix(args, server, files, api_key))
        if endpoint.script == "mix.lua":
            continue
        OTHER_LOAD.groups = server.groups()
        OTHER_LOAD.wait_quiet(args.quiet_threshold, args.quiet_timeout)
        wrk(
            args,
            server,
            endpoint,
            files,
            api_key,
            seconds=args.warmup,
            connections=args.connections,
        )
        before = reference(args, server, endpoint, files, api_key)
        run = wrk(
            args,
            server,
            endpoint,
            files,
            api_key,
            seconds=args.duration,
            connections=args.connections,
        )
        after = reference(args, server, endpoint, files, api_key)
        if before and after:
            run.beside_a = (before + after) / 2
        runs[endpoint.key] = run
        log(
            f"  ({endpoint.key}) {endpoint.name:<36} {run.rps:8,.0f} req/s  "
            f"p50 {fmt_ms(run.p50):>6} ms  p99 {fmt_ms(run.p99):>6} ms  "
            f"others {run.others:4.0%}{kept_text(run)}"
            + (f"  ERRORS {run.errors}" if run.errors else "")
        )
        if run.errors:
            notes.append(f"({endpoint.key}) at {size:,}: {run.errors} errors\n" + run.raw)
    return runs


def kept_text(run: WrkResult) -> str:
    kept = "" if run.kept is None else f"  kept {run.kept:.0%}"
    spent = ", ".join(f"{part} {ms:.2f}" for part, ms in run.cpu.items() if ms >= 0.005)
    return kept + (f"  CPU ms/request: {spent}" if spent else "")


def run_mix(
    args: argparse.Namespace, server: Server, files: dict[str, Path], api_key: str
) -> dict[str, WrkResult]:
    """The Zipf mix from a cold start: the server restarted and its cache emptied, no warm-up;
    the first minute, then the second, each with its ratio to (a) measured beside it."""
    from django.core.cache import cache

    runs: dict[str, WrkResult] = {}
    mix = [endpoint for endpoint in ENDPOINTS if endpoint.script == "mix.lua"]
    OTHER_LOAD.wait_quiet(args.quiet_threshold, args.quiet_timeout)
    before = reference(args, server, mix[0], files, api_key)
    server.stop()
    cache.clear()
    server.start()
    for endpoint in mix:
        run = wrk(
            args,
            server,
            endpoint,
            files,
            api_key,
            seconds=args.mix_duration,
            connections=args.connections,
        )
        runs[endpoint.key] = run
        log(
            f"  ({endpoint.key}) {endpoint.name:<36} {run.rps:8,.0f} req/s  "
            f"p50 {fmt_ms(run.p50)} ms  p99 {fmt_ms(run.p99)} ms  others {run.others:4.0%}"
            + kept_text(run)
            + (f"  ERRORS {run.errors}" if run.errors else "")
        )
    after = reference(args, server, mix[0], files, api_key)
    for run in runs.values():
        if before and after:
            run.beside_a = (before + after) / 2
    return runs


# --- in-process measurements (Django set up against the bench database) -----------------------


def code_version() -> str:
    """The commit measured and whether the files that matter differ from it (read-only git)."""

    def git(*command: str) -> str:
        try:
            return subprocess.run(
                ["git", "--no-optional-locks", *command],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.rstrip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git(
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        "labels",
        "accounts",
        "config",
        "certification",
        "benchmarks",
    ).splitlines()
    if not changed:
        return f"git {commit}, no uncommitted changes in labels/ accounts/ config/ benchmarks/"
    names = ", ".join(line[3:] for line in changed[:8]) + (" …" if len(changed) > 8 else "")
    return f"git {commit} + uncommitted changes in {names}"


def django_setup() -> None:
    import warnings

    import django

    # WhiteNoise warns that collectstatic has not run; the benchmark fetches no static file.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def api_key_create() -> str:
    from accounts.apikeys import api_key_create as create
    from accounts.models import Organisation, User
    from accounts.roles import ApiScope, OrganisationKind

    marketplace = Organisation.objects.filter(kind=OrganisationKind.MARKETPLACE).first()
    assert marketplace is not None
    admin = User.objects.get(username="market-admin")
    _, key = create(
        actor=admin, organisation=marketplace, name="load benchmark", scopes=[ApiScope.LABELS_READ]
    )
    return key


def key_files(directory: Path, clones: int, per_gtin: int = 1) -> dict[str, Path]:
    from label_clones import clone_key

    numbers = random.Random(clones).sample(range(clones), min(KEY_SAMPLE, clones))
    pairs = [clone_key(number, per_gtin) for number in numbers]
    files = {
        "serials": directory / f"serials-{clones}.txt",
        "gtins": directory / f"gtins-{clones}.txt",
        "all": directory / f"all-serials-{clones}.txt",
        "popular": directory / f"popular-serials-{clones}.txt",
    }
    files["serials"].write_text("\n".join(serial for serial, _ in pairs) + "\n")
    files["popular"].write_text("\n".join(serial for serial, _ in pairs[:POPULAR]) + "\n")
    files["gtins"].write_text("\n".join(gtin for _, gtin in pairs) + "\n")
    files["all"].write_text(
        "\n".join(clone_key(number, per_gtin)[0] for number in range(clones)) + "\n"
    )
    return files


def endpoint_path(endpoint: Endpoint, serial: str, gtin: str) -> str:
    if endpoint.keys == "gtins":
        return endpoint.pattern % gtin
    path = endpoint.pattern % serial if "%s" in endpoint.pattern else endpoint.pattern
    return path.replace("{nonce}", str(random.randrange(2_000_000_000)))


def batch_body(serials: list[str]) -> dict:
    return {"keys": [{"serial": serial} for serial in serials]}


def selected(args: argparse.Namespace, endpoints: list[Endpoint]) -> list[Endpoint]:
    """The endpoints --endpoints names, with (a) (the ratios' base) and (z2) after (z)."""
    if not args.endpoints:
        return endpoints
    keys = {"a", *args.endpoints.split(",")}
    if "z" in keys:
        keys.add("z2")
    return [endpoint for endpoint in endpoints if endpoint.key in keys]


def count_queries(
    port: int, api_key: str, files: dict[str, Path], endpoints: list[Endpoint]
) -> dict[str, int]:
    """SQL queries of one request of each endpoint, in-process (the second call, once the API
    key's last-used stamp is fresh)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    serials = files["serials"].read_text().split()
    gtins = files["gtins"].read_text().split()
    client = Client(HTTP_HOST=f"127.0.0.1:{port}")
    counts: dict[str, int] = {}
    for endpoint in endpoints:
        if endpoint.script == "mix.lua":
            continue
        headers: dict[str, Any] = {"HTTP_X_API_KEY": api_key} if endpoint.api_key else {}
        if endpoint.header:
            name, value = endpoint.header.split(":", 1)
            headers["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                if endpoint.script == "batch.lua":
                    answer = client.post(
                        "/api/v1/labels/batch/",
                        data=batch_body(serials[:BATCH_SIZE]),
                        content_type="application/json",
                        **headers,
                    )
                else:
                    answer = client.get(endpoint_path(endpoint, serials[0], gtins[0]), **headers)
            if answer.status_code != 200:
                raise SystemExit(f"({endpoint.key}) answered {answer.status_code} in-process")
        counts[endpoint.key] = len(captured.captured_queries)
    return counts


def _fetch(url: str, headers: dict[str, str]) -> tuple[bytes, str]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.read(), answer.headers.get("Cache-Control", "")


def measure_propagation(server: Server, api_key: str, clone_serial: str) -> tuple[dict, dict]:
    """Suspend a label of the product family's certificate in-process (not a clone: a status
    change applies to every label of its certificate, and the clones share one), poll the
    running server until every view shows it, restore it and poll again. Returns seconds from
    the call to visibility, per view and action."""
    from labels.models import Label, LabelStatus
    from labels.services import label_change_status
    from labels.statuslists import status_list_url
    from labels.vc.statuslist import Bitstring

    clones_certificate = Label.objects.get(serial=clone_serial).certificate_id
    label = (
        Label.objects.select_related("suspension_list__body")
        .filter(status=LabelStatus.VALID)
        .exclude(certificate_id=clones_certificate)
        .order_by("pk")
        .first()
    )
    if label is None:
        raise SystemExit("no valid label outside the clones' certificate to time a change on")
    serial = label.serial
    key_header = {"X-API-Key": api_key}
    list_url = status_list_url(label.suspension_list).replace(
        f"http://{os.environ['LABEL_PUBLIC_HOST']}", server.url("")
    )
    valid_badge, _ = _fetch(server.url(f"/api/v1/labels/{serial}/badge.svg"), key_header)

    def bit() -> bool:
        body, _ = _fetch(list_url, {})
        encoded = json.loads(body)["credentialSubject"]["encodedList"]
        return Bitstring.decode(encoded).get(label.suspension_index)

    def views(target: str) -> dict:
        suspended = target == "suspended"
        return {
            "API lookup": lambda: (
                json.loads(_fetch(server.url(f"/api/v1/labels/{serial}/"), key_header)[0])["status"]
                == target
            ),
            "public page": lambda: (
                f"verdict-{target}".encode() in _fetch(server.url(f"/labels/{serial}/"), {})[0]
            ),
            "status list": lambda: bit() == suspended,
            "badge": lambda: (
                (
                    _fetch(server.url(f"/api/v1/labels/{serial}/badge.svg"), key_header)[0]
                    != valid_badge
                )
                == suspended
            ),
        }

    max_age = {}
    for name, path, headers in (
        ("API lookup", f"/api/v1/labels/{serial}/", key_header),
        ("public page", f"/labels/{serial}/", {}),
        ("status list", list_url, {}),
        ("badge", f"/api/v1/labels/{serial}/badge.svg", key_header),
    ):
        _, cache_control = _fetch(path if path.startswith("http") else server.url(path), headers)
        match = re.search(r"max-age=(\d+)", cache_control)
        no_cache = "no-cache" in cache_control or "no-store" in cache_control
        max_age[name] = 0 if no_cache or not match else int(match.group(1))

    results: dict[str, dict[str, float]] = {}
    for action, target in (("suspend", "suspended"), ("restore", "valid")):
        checks = views(target)
        started = time.perf_counter()
        label_change_status(actor=None, label_id=label.pk, action=action, reason="load benchmark")
        committed = time.perf_counter() - started
        seen: dict[str, float] = {"commit": committed}
        while len(seen) <= len(checks) and time.perf_counter() - started < 10:
            for name, check in checks.items():
                try:
                    if name not in seen and check():
                        seen[name] = time.perf_counter() - started
                except urllib.error.HTTPError as error:
                    log(f"  {name} answered {error.code} while polling; see {server.log_path}")
            time.sleep(0.002)
        for name in checks:
            seen.setdefault(name, float("inf"))
        results[action] = seen
    return results, max_age


@contextlib.contextmanager
def celery_worker(log_path: Path):
    """A Celery worker on the benchmark's broker, as deployed: with --proxy it is the worker's
    ban that makes a change show through Varnish."""
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [
                *(str(PYTHON), "-m", "celery", "-A", "config", "worker", "--concurrency", "1"),
                *("--loglevel", "info", "--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env=os.environ,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while b" ready." not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the Celery worker did not start; see {log_path}")
            time.sleep(0.2)
        yield
    finally:
        stop_group(process)


def scale_probe(files: dict[str, Path], repeats: int = 300) -> dict[str, float]:
    """Median in-process time (ms, warm connection) of the lookups' queries at this table size
    (the stored answers' reads, as the endpoints run them): a single process for a few seconds,
    so far less exposed to other processes than a load run."""
    from django.db import connection

    from labels import stored
    from labels.apis import _queryset
    from labels.models import Label

    serials = files["serials"].read_text().split()
    gtins = files["gtins"].read_text().split()
    rng = random.Random(7)

    def median(call) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        return sorted(times)[len(times) // 2]

    def explain() -> float:
        sql, params = _queryset().filter(serial=rng.choice(serials))[:1].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
        return plan["Execution Time"]

    executions = sorted(explain() for _ in range(100))
    return {
        "lookup query (c)": median(
            lambda: stored.stored_lookup("serial", rng.choice(serials), "api")
        ),
        "GTIN query (d)": median(lambda: stored.stored_lookup("gtin", rng.choice(gtins), "api")),
        "batch queries (e)": median(
            lambda: stored.stored_batch({"serial": rng.sample(serials, BATCH_SIZE)})
        ),
        "label table alone, by serial": median(
            lambda: list(Label.objects.filter(serial=rng.choice(serials))[:1])
        ),
        "execution only, EXPLAIN ANALYZE (c)": executions[len(executions) // 2],
    }


# --- profile -----------------------------------------------------------------------------------

PROFILE_PARTS = [
    # (label, file suffix, function name); cumulative times, nested parts overlap.
    ("whole request (handler)", "django/test/client.py", "__call__"),
    ("URL resolving", "django/urls/resolvers.py", "resolve"),
    ("DRF authentication (remembered key)", "rest_framework/views.py", "perform_authentication"),
    ("DRF throttles (leased counts)", "rest_framework/views.py", "check_throttles"),
    ("DRF content negotiation", "rest_framework/views.py", "perform_content_negotiation"),
    ("SQL: all queries (execute)", "django/db/backends/utils.py", "_execute"),
    ("Redis cache get", "django/core/cache/backends/redis.py", "get"),
    ("stored answer read", "labels/stored.py", "stored_lookup"),
    ("the log's part put in", "labels/stored.py", "with_logs"),
    ("JSON rendering (DRF JSONRenderer)", "rest_framework/renderers.py", "render"),
    ("response object construction", "django/http/response.py", "__init__"),
]


def profile(port: int, api_key: str, files: dict[str, Path], repeats: int) -> str:
    """Per-request time in-process (no HTTP, one process) for (a), (b), (c), and where (c)'s time
    goes, from cProfile (which inflates Python-heavy parts; read the shares, not the ms)."""
    from django.test import Client

    serials = files["serials"].read_text().split()
    client = Client(HTTP_HOST=f"127.0.0.1:{port}")
    header: dict[str, Any] = {"HTTP_X_API_KEY": api_key}
    from django.db import connection

    from labels.apis import _queryset

    def fresh(call):
        def wrapped(i):
            connection.close()  # what CONN_MAX_AGE=0 does at the end of every request
            return call(i)

        return wrapped

    def serial(i: int) -> str:
        return serials[i % len(serials)]

    cases = {
        "a": lambda i: client.get("/bench/constant/"),
        "b": lambda i: client.get(f"/bench/drf/labels/{serial(i)}/", **header),
        "c": lambda i: client.get(f"/api/v1/labels/{serial(i)}/", **header),
        "c0": lambda i: client.get(f"/api/v1/labels/{serial(i)}/"),
        "f": lambda i: client.get(f"/labels/{serial(i)}/"),
    }
    labels = {
        "a": "bare Django view",
        "b": "plain DRF ModelViewSet",
        "c": "lookup by serial (API key)",
        "c0": "lookup by serial (anonymous)",
        "f": "public page",
        "b new": "(b) with a new DB connection",
        "c new": "(c) with a new DB connection",
    }
    cases["b new"] = fresh(cases["b"])
    cases["c new"] = fresh(cases["c"])
    out = io.StringIO()
    timings = {}
    for name, call in cases.items():
        for i in range(repeats):
            call(i)
        started = time.perf_counter()
        for i in range(repeats):
            call(i)
        timings[name] = (time.perf_counter() - started) / repeats * 1000
    out.write(
        "In-process time per request (Django test client, no HTTP server, 1 process; the "
        "test client keeps its DB connection; 'new connection' is what CONN_MAX_AGE=0 "
        "costs):\n"
    )
    for name, ms in timings.items():
        out.write(
            f"  ({name}) {labels[name]:<38} {ms:6.2f} ms   "
            f"{div(timings['a'], ms):5.2f} × (a)'s rate\n"
        )

    # Components of (c), each timed alone (no profiler).
    from rest_framework.renderers import JSONRenderer

    from accounts.apikeys import api_key_check, api_key_find
    from config.throttles import LIMITER
    from labels import stored
    from labels.apis import _batch_found, batch_keys_plain, label_representation

    def timed(call, times: int = 200) -> float:
        for i in range(10):
            call(i)
        started = time.perf_counter()
        for i in range(times):
            call(i)
        return (time.perf_counter() - started) / times * 1000

    def reconnect(i: int) -> None:
        connection.close()
        connection.ensure_connection()

    label = _queryset().get(serial=serial(1))
    representation = label_representation(label)
    kept = stored.stored_answer(label.serial, "api")
    if kept is None:
        raise SystemExit(f"label {label.serial} has no current stored answer")
    parts = [
        ("(c) whole request", timings["c"]),
        ("  of it: the API key check (remembered)", timed(lambda i: api_key_check(api_key))),
        (
            "  of it: the rate limit (leased)",
            timed(lambda i: LIMITER.consume("bench-part", 10**9, 1)),
        ),
        (
            "  of it: the stored answer with the log's head (1 query)",
            timed(lambda i: stored.stored_answer(serial(i), "api")),
        ),
        (
            "  of it: the log's part (the proofs' nodes: 1 query) put in",
            timed(lambda i: stored.with_logs([kept])),
        ),
        (
            "API key read from the database (1 query, joins the organisation)",
            timed(lambda i: api_key_find(api_key)),
        ),
        (
            "a label read and rendered live: label_representation",
            timed(lambda i: label_representation(label)),
        ),
        (
            "  and its JSON rendering",
            timed(lambda i: JSONRenderer().render(representation)),
        ),
        ("a new PostgreSQL connection (paid per request if CONN_MAX_AGE=0)", timed(reconnect, 50)),
    ]
    out.write("\nWhere (c)'s time goes, each part timed alone in-process (ms):\n")
    for name, ms in parts:
        out.write(f"  {name:<66} {ms:7.2f}\n")

    # The batch: the stored answers of its labels in one query, their proofs in one more.
    batch = serials[:BATCH_SIZE]
    body = batch_body(batch)
    keys = batch_keys_plain(body)
    assert keys is not None
    answered = client.post(
        "/api/v1/labels/batch/", data=body, content_type="application/json", **header
    )
    if answered.status_code != 200:  # time only what answered
        raise SystemExit(f"(e) in-process answered {answered.status_code}")
    batch_parts = [
        (
            f"(e) whole request, {BATCH_SIZE} serials, in-process",
            timed(
                lambda i: client.post(
                    "/api/v1/labels/batch/", data=body, content_type="application/json", **header
                ),
                30,
            ),
        ),
        (
            f"input check (batch_keys_plain, {BATCH_SIZE} keys)",
            timed(lambda i: batch_keys_plain(body), 30),
        ),
        (
            f"the stored answers and their proofs ({BATCH_SIZE} labels, 2 queries)",
            timed(lambda i: _batch_found(keys), 30),
        ),
    ]
    out.write("\nWhere (e)'s time goes, each part timed alone in-process (ms):\n")
    for name, ms in batch_parts:
        out.write(f"  {name:<66} {ms:7.2f}\n")

    for name in ("a", "c"):
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(repeats):
            cases[name](i)
        profiler.disable()
        stats = pstats.Stats(profiler)
        table: dict[tuple[str, str], tuple[int, float]] = {}
        for (filename, _line, function), (
            _cc,
            calls,
            _tt,
            cumulative,
            _callers,
        ) in stats.stats.items():  # type: ignore[attr-defined]
            for label, suffix, wanted in PROFILE_PARTS:
                if filename.endswith(suffix) and function == wanted:
                    old = table.get((label, suffix), (0, 0.0))
                    # Recursive/nested entries of one function: keep the largest cumulative.
                    table[(label, suffix)] = (old[0] + calls, max(old[1], cumulative))
        out.write(f"\ncProfile of ({name}), cumulative ms per request ({repeats} requests):\n")
        total = table.get(("whole request (handler)", "django/test/client.py"), (0, 0.0))[1]
        for label, suffix, _ in PROFILE_PARTS:
            calls, cumulative = table.get((label, suffix), (0, 0.0))
            if calls:
                share = f"{cumulative / total * 100:5.1f} %" if total else ""
                out.write(
                    f"  {label:<42} {cumulative / repeats * 1000:7.3f} ms  {share}  "
                    f"({calls / repeats:.1f} calls)\n"
                )
        if name == "c":
            top = io.StringIO()
            pstats.Stats(profiler, stream=top).sort_stats("tottime").print_stats(12)
            lines = [line for line in top.getvalue().splitlines() if line.strip()]
            start = next(i for i, line in enumerate(lines) if "ncalls" in line)
            out.write("\n  Top functions of (c) by own time:\n")
            for line in lines[start : start + 13]:
                out.write("  " + line[:150] + "\n")
    return out.getvalue()


def fmt_ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def div(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def cpu_table(result: SizeResult, endpoints: list[Endpoint]) -> str:
    """Each endpoint's CPU per request, by process: which part saturates the machine's cores."""
    runs = [(e, result.load[e.key]) for e in endpoints if e.key in result.load]
    parts = [p for p in PARTS if any(run.cpu.get(p, 0) >= 0.005 for _e, run in runs)]
    if not parts:
        return ""
    out = io.StringIO()
    out.write(
        f"\nCPU per request by process, ms ({os.cpu_count()} cores: saturated, the total is "
        f"about {os.cpu_count()} × 1000 ÷ req/s); web = gunicorn, cache = Varnish\n"
        "| endpoint | " + " | ".join(parts) + " | total |\n|---|" + "---:|" * (len(parts) + 1)
    )
    for endpoint, run in runs:
        cells = [f"{run.cpu.get(part, 0):.2f}" for part in parts]
        out.write(
            f"\n| ({endpoint.key}) | " + " | ".join(cells) + f" | {sum(run.cpu.values()):.2f} |"
        )
    return out.getvalue() + "\n"


def report(results: list[SizeResult], args: argparse.Namespace, notes: list[str]) -> str:
    out = io.StringIO()
    endpoints = [*ENDPOINTS, ANONYMOUS_LOOKUP] if args.anonymous else ENDPOINTS
    first = results[0]
    last = results[-1]
    for result in results:
        base = result.load["a"].rps
        out.write(
            f"\n{result.size:,} labels (seeded in {result.seed_seconds:.0f} s, "
            f"{result.seed_rows_per_s:,.0f} rows/s), {args.connections} connections, "
            f"{args.duration} s per endpoint after {args.warmup} s warm-up\n"
        )
        out.write(
            "rate ÷ (a): ÷ the mean of (a)'s rate measured just before and just after the "
            f"endpoint ({args.reference_duration} s each)\n"
        )
        kept = any(run.kept is not None for run in result.load.values())
        out.write(
            "| endpoint | req/s | p50 ms | p99 ms | rate ÷ (a) | rate ÷ (b) | SQL | errors "
            "| others' CPU |"
            + (" answered by the cache |" if kept else "")
            + "\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
            + ("---:|" if kept else "")
            + "\n"
        )
        for endpoint in endpoints:
            run = result.load.get(endpoint.key)
            if run is None:
                continue
            out.write(
                f"| ({endpoint.key}) {endpoint.name} | {run.rps:,.0f} | {fmt_ms(run.p50)} "
                f"| {fmt_ms(run.p99)} | {run.ratio(base):.2f} | "
                f"{div(run.rps, result.load['b'].rps) if 'b' in result.load else 0:.2f} | "
                f"{result.queries.get(endpoint.key, '')} | {run.errors} | "
                f"{run.others:.0%} |"
                + ((" |" if run.kept is None else f" {run.kept:.0%} |") if kept else "")
                + "\n"
            )
        out.write(cpu_table(result, endpoints))
        if "c" in result.unloaded and "e" in result.unloaded:
            single, batch = result.unloaded["c"], result.unloaded["e"]
            out.write(
                f"unloaded (1 connection): (c) p50 {fmt_ms(single.p50)} ms, "
                f"{single.rps:,.0f} req/s; (e) p50 {fmt_ms(batch.p50)} ms, "
                f"{batch.rps:,.0f} req/s; (e)/(c) = {div(batch.p50, single.p50):.1f}\n"
            )
    if len(results) > 1:
        out.write(f"\nLatency at {last.size:,} ÷ at {first.size:,} labels\n")
        out.write("| endpoint | p50 ratio | p99 ratio | req/s ratio |\n|---|---:|---:|---:|\n")
        for endpoint in endpoints:
            small, big = first.load.get(endpoint.key), last.load.get(endpoint.key)
            if small and big:
                out.write(
                    f"| ({endpoint.key}) | {div(big.p50, small.p50):.2f} | "
                    f"{div(big.p99, small.p99):.2f} | {div(big.rps, small.rps):.2f} |\n"
                )
        for key in ("c", "e"):
            small, big = first.unloaded.get(key), last.unloaded.get(key)
            if small and big:
                out.write(
                    f"| ({key}) 1 connection | {div(big.p50, small.p50):.2f} | "
                    f"{div(big.p99, small.p99):.2f} | {div(big.rps, small.rps):.2f} |\n"
                )
        out.write(
            f"\nIn-process query time, median ms with a warm connection "
            f"({first.size:,} → {last.size:,} labels)\n"
        )
        for name, small_ms in first.probe.items():
            big_ms = last.probe.get(name, 0.0)
            out.write(
                f"  {name:<38} {small_ms:6.2f} → {big_ms:6.2f}  ({div(big_ms, small_ms):.2f} ×)\n"
            )
    out.write(
        f"\nStatus change → visible on the running server ({last.size:,} labels), seconds "
        "from the service call (its commit included):\n"
    )
    for action, seen in last.propagation.items():
        parts = ", ".join(f"{name} {value:.3f}" for name, value in seen.items())
        out.write(f"  {action}: {parts}\n")
    out.write(
        "  Cache-Control max-age a downstream cache may add: "
        + ", ".join(f"{name} {age} s" for name, age in last.max_age.items())
        + "\n"
    )

    # Goals.
    out.write("\nGoals\n")
    for result in results:
        base = result.load["a"].rps
        # (c) and (d) draw from 20,000 labels: mostly first reads, the uncached goal. (ch) asks
        # for 100 labels again and again: what a cache in front keeps, the cached goal.
        goals = [
            ("c", GOAL_UNCACHED_LOOKUP_RATIO, "uncached"),
            ("d", GOAL_UNCACHED_LOOKUP_RATIO, "uncached"),
            ("ch", GOAL_RATIO, "cached"),
        ]
        for key, goal, what in [goal for goal in goals if goal[0] in result.load]:
            ratio = result.load[key].ratio(base)
            out.write(
                f"  [{verdict(ratio >= goal)}] ({key}) ≥ {goal} × (a) ({what} lookups) at "
                f"{result.size:,}: {ratio:.2f}\n"
            )
        worst = [(k, r.p99) for k, r in result.load.items() if k in "abcdefg" and len(k) == 1]
        over = [f"({k}) {fmt_ms(p)} ms" for k, p in worst if p > GOAL_P99_MS]
        out.write(
            f"  [{verdict(not over)}] p99 ≤ {GOAL_P99_MS:.0f} ms at {args.connections} "
            f"connections, {result.size:,} labels"
            + (f": over for {', '.join(over)}" if over else "")
            + "\n"
        )
    for result in results:
        base = result.load["a"].rps
        for key, goal in (
            ("f", GOAL_UNCACHED_PAGE_RATIO),
            ("z", GOAL_MIX_RATIO),
        ):
            run = result.load.get(key)
            if run is not None:
                ratio = run.ratio(base)
                out.write(
                    f"  [{verdict(ratio >= goal)}] ({key}) ≥ {goal} × (a) at {result.size:,}: "
                    f"{ratio:.2f}\n"
                )
        mix = result.load.get("z")
        if mix is not None:
            out.write(
                f"  [{verdict(mix.p99 <= GOAL_P99_MS)}] (z) p99 ≤ {GOAL_P99_MS:.0f} ms at "
                f"{args.connections} connections, {result.size:,}: {fmt_ms(mix.p99)} ms\n"
            )
    for result in results:
        if "c" in result.unloaded and "e" in result.unloaded:
            factor = div(result.unloaded["e"].p50, result.unloaded["c"].p50)
            out.write(
                f"  [{verdict(factor <= GOAL_BATCH_FACTOR)}] batch ≤ {GOAL_BATCH_FACTOR:.0f}"
                f" × one lookup (p50, 1 connection), {result.size:,}: {factor:.1f} ×\n"
            )
        if "e" not in result.load or "c" not in result.load:
            continue
        loaded = div(result.load["e"].p50, result.load["c"].p50)
        out.write(
            f"      under load ({args.connections} connections) the batch p50 is "
            f"{loaded:.1f} × the lookup's\n"
        )
        queries = result.queries.get("e", 99)
        out.write(
            f"  [{verdict(queries <= GOAL_BATCH_QUERIES)}] batch ≤ {GOAL_BATCH_QUERIES} SQL"
            f" queries, {result.size:,}: {queries}\n"
        )
    if len(results) > 1:
        # Other processes' CPU use changes between the two passes; a ratio is only judged when
        # both runs had the machine (nearly) to themselves.
        # At 32 connections (the benchmark's load) for p50 and p99; at 1 connection for p50 only:
        # the p99 of a single-connection run rests on its few slowest requests (a 10 s run of the
        # batch at 1 connection is ~350 requests, so its p99 is the 4th slowest).
        loaded_pairs = [(f"({k})", first.load[k], last.load[k]) for k in ("c", "d", "e")]
        single_pairs = [
            (f"({k}) 1 conn.", first.unloaded[k], last.unloaded[k])
            for k in ("c", "e")
            if k in first.unloaded and k in last.unloaded
        ]
        for stat in ("p50", "p99"):
            clean: list[str] = []
            noisy: list[str] = []
            for name, small, big in loaded_pairs + (single_pairs if stat == "p50" else []):
                ratio = div(getattr(big, stat), getattr(small, stat))
                quiet = max(small.others, big.others) <= args.quiet_threshold
                (clean if quiet else noisy).append(
                    f"{name} {ratio:.2f}"
                    + ("" if quiet else f" (others {small.others:.0%}/{big.others:.0%})")
                )
                if quiet and ratio > GOAL_SCALE_FACTOR:
                    clean[-1] += " over"
            if any(item.endswith(" over") for item in clean):
                state = "NOT MET"
            elif noisy:
                state = "INCONCLUSIVE"
            else:
                state = "MET"
            where = "at 32 connections and at 1" if stat == "p50" else "at 32 connections"
            out.write(
                f"  [{state}] {stat} at {last.size:,} ≤ {GOAL_SCALE_FACTOR} × at "
                f"{first.size:,}, lookups {where}: " + "; ".join(clean + noisy) + "\n"
            )
    if len(results) > 1 and first.probe and last.probe:
        # The ORM timings (round trip included); PostgreSQL's execution alone is tens of
        # microseconds, shown in the table for information.
        probe_name, worst_ratio = max(
            (
                (name, div(last.probe[name], first.probe[name]))
                for name in first.probe
                if not name.startswith("execution")
            ),
            key=lambda item: item[1],
        )
        out.write(
            f"  [{verdict(worst_ratio <= GOAL_SCALE_FACTOR)}] in-process query time at "
            f"{last.size:,} ≤ {GOAL_SCALE_FACTOR} × at {first.size:,} (ORM medians, one "
            f"process): worst {probe_name} {worst_ratio:.2f}\n"
        )
    slowest = max(
        (
            value
            for seen in last.propagation.values()
            for name, value in seen.items()
            if name != "commit"
        ),
        default=float("inf"),
    )
    out.write(
        f"  [{verdict(slowest <= GOAL_PROPAGATION_S)}] status change visible ≤ "
        f"{GOAL_PROPAGATION_S:.0f} s on the server: slowest {slowest:.3f} s\n"
    )
    # A downstream cache may keep an answer fetched just before the change up to max-age more.
    # The change is committed inside the service call, so the lag counts from its return (the
    # call's own work, e.g. signing a status list, comes before the commit).
    bounds = {
        name: max(
            seen.get(name, float("inf")) - seen["commit"] for seen in last.propagation.values()
        )
        + age
        for name, age in last.max_age.items()
    }
    out.write(
        f"  [{verdict(max(bounds.values(), default=0) <= GOAL_PROPAGATION_S)}] …including "
        "what Cache-Control lets a downstream cache keep, from the service call's return: "
        + ", ".join(f"{name} ≤ {bound:.3f} s" for name, bound in bounds.items())
        + "\n"
    )
    for note in notes:
        out.write(f"  note: {note}\n")
    return out.getvalue()


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,1000000",
        help="label counts, comma-separated, ascending (default 10000,1000000)",
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds per endpoint")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per endpoint")
    parser.add_argument(
        "--reference-duration",
        type=int,
        default=5,
        help="seconds of (a) measured just before and after each endpoint, "
        "for its ratio to (a) (0: the one (a) run)",
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--mix-duration", type=int, default=MIX_SECONDS, help="seconds of each minute of the mix"
    )
    parser.add_argument(
        "--unloaded-duration",
        type=int,
        default=10,
        help="seconds of the 1-connection runs of (c) and (e)",
    )
    parser.add_argument("--threads-wrk", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument(
        "--port", type=int, default=0, help="gunicorn's port (default: a free one chosen at start)"
    )
    parser.add_argument("--db", default=DB_NAME)
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help="the Redis the platform under test uses, flushed first (default BENCH_REDIS_URL or "
        f"{DEFAULT_REDIS_URL})",
    )
    parser.add_argument("--per-gtin", type=int, default=1)
    parser.add_argument(
        "--no-anonymous",
        dest="anonymous",
        action="store_false",
        help="skip the extra anonymous lookup (c0)",
    )
    parser.add_argument("--profile-requests", type=int, default=300)
    parser.add_argument(
        "--quiet-threshold",
        type=float,
        default=0.10,
        help="wait before each endpoint until other processes use less than "
        "this share of the CPU (default 0.10)",
    )
    parser.add_argument(
        "--quiet-timeout",
        type=float,
        default=30,
        help="longest wait for quiet before one endpoint, seconds (default 30)",
    )
    parser.add_argument(
        "--quiet-budget",
        type=float,
        default=300,
        help="longest wait for quiet in the whole run, seconds (default 300)",
    )
    parser.add_argument(
        "--endpoints",
        default="",
        help="only these endpoints, comma-separated keys such as cm,dm,fm,z (default: all; (a) "
        "is always measured, (z2) comes with (z))",
    )
    parser.add_argument(
        "--proxy",
        action="store_true",
        help="put Varnish with docker/varnish/default.vcl in front of gunicorn, as deployed "
        "(docker/compose.yaml): every endpoint but (a) is measured through it, (a) on gunicorn",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="run on the database a --keep run left, as it is (topped up to each size), instead "
        "of a new one: seeding 1M labels takes most of a run. Give the same --per-gtin",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if sizes != sorted(sizes):
        raise SystemExit("--sizes must be ascending (the table is topped up, never shrunk)")
    args.wrk = ensure_wrk()
    OTHER_LOAD.db = args.db
    OTHER_LOAD.budget = args.quiet_budget
    if args.port == 0:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    if not port_free(args.port):
        raise SystemExit(f"port {args.port} is taken; pass --port")
    args.varnishd = ensure_varnish() if args.proxy else ""
    args.proxy_port, args.purge_port = (free_port(), free_port()) if args.proxy else (0, 0)

    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="carbonlabel-bench-"))
    server_log = Path(tempfile.gettempdir()) / "carbonlabel-bench-gunicorn.log"
    server_log.write_text("")
    os.environ.update(bench_env(args, workdir / "media"))
    log(
        f"machine: {os.cpu_count()} cores; gunicorn {args.workers} {args.worker_class} workers; "
        f"wrk {args.threads_wrk} thread(s), {args.connections} connections; database {args.db}"
    )
    results: list[SizeResult] = []
    notes: list[str] = []
    server: Server | None = None
    try:
        if args.reuse and database_exists(args.db):
            log(f"reusing {args.db} as a --keep run left it; migrating")
            manage("migrate", "--noinput")
        else:
            if args.reuse:
                log(f"no database {args.db} to reuse: a new one")
            new_database(args.db)
        django_setup()
        from django.conf import settings
        from django.core.cache import cache
        from django.db import connections

        database = settings.DATABASES["default"]
        setup_line = (
            f"code: {code_version()}; server: CONN_MAX_AGE="
            f"{database.get('CONN_MAX_AGE')}, CONN_HEALTH_CHECKS="
            f"{database.get('CONN_HEALTH_CHECKS', False)}, throttles "
            f"{HIGH_RATE}, Redis cache"
            + (
                "; Varnish in front (docker/varnish/default.vcl): every endpoint but (a), the "
                "bare view on gunicorn itself, measured through it; a Celery worker sends bans"
                if args.proxy
                else ""
            )
        )
        log(setup_line)

        cache.clear()  # the --redis-url database belongs to the benchmark
        api_key = api_key_create()
        from labels.models import Label

        for size in sizes:
            result = SizeResult(size)
            log(f"seeding to {size:,} labels")
            connections.close_all()
            output = seed_labels(size, args.per_gtin)
            match = re.search(r"added ([\d,]+) labels in ([\d.]+) s \(([\d,]+) rows/s\)", output)
            if match:
                result.seed_seconds = float(match.group(2))
                result.seed_rows_per_s = float(match.group(3).replace(",", ""))
            count = Label.objects.count()
            clones = count - Label.objects.filter(certificate_version=1).count()
            files = key_files(workdir, clones, args.per_gtin)
            server = Server(args, server_log)
            log(f"{count:,} labels; starting gunicorn")
            server.start()
            serial = files["serials"].read_text().split()[0]
            gtin = files["gtins"].read_text().split()[0]
            for endpoint in ENDPOINTS:
                if endpoint.script == "get.lua":
                    headers = {"X-API-Key": api_key} if endpoint.api_key else {}
                    if endpoint.header:
                        name, value = endpoint.header.split(":", 1)
                        headers[name] = value.strip()
                    body, _ = _fetch(server.url(endpoint_path(endpoint, serial, gtin)), headers)
                    if endpoint.key == "f" and b"verdict-valid" not in body:
                        raise SystemExit("the public page does not show a valid label")
            endpoints = selected(
                args, [*ENDPOINTS, ANONYMOUS_LOOKUP] if args.anonymous else ENDPOINTS
            )
            result.load = run_pass(args, server, endpoints, files, api_key, size, notes)
            for key in ("c", "e"):
                if key not in result.load:
                    continue
                endpoint = next(e for e in ENDPOINTS if e.key == key)
                wrk(args, server, endpoint, files, api_key, seconds=1, connections=1)
                run = wrk(
                    args,
                    server,
                    endpoint,
                    files,
                    api_key,
                    seconds=args.unloaded_duration,
                    connections=1,
                )
                result.unloaded[key] = run
                log(
                    f"  ({key}) 1 connection: {run.rps:,.0f} req/s, p50 {fmt_ms(run.p50)} ms, "
                    f"p99 {fmt_ms(run.p99)} ms"
                )
            result.probe = scale_probe(files)
            log(
                "  in-process query medians (ms): "
                + ", ".join(f"{k} {v:.2f}" for k, v in result.probe.items())
            )
            result.queries = count_queries(args.port, api_key, files, selected(args, ENDPOINTS))
            log(f"  SQL queries per request: {result.queries}")
            worker_log = Path(tempfile.gettempdir()) / "carbonlabel-bench-worker.log"
            worker_log.write_text("")
            with celery_worker(worker_log) if args.proxy else contextlib.nullcontext():
                result.propagation, result.max_age = measure_propagation(
                    server, api_key, files["serials"].read_text().split()[1]
                )
            log(f"  status change visible after: {result.propagation}")
            server.stop()
            server = None
            results.append(result)

        log("profiling in-process")
        profile_text = profile(args.port, api_key, files, args.profile_requests)
        table = report(results, args, notes)
        print("\n" + "=" * 100)
        print(
            f"Label API load benchmark — {os.cpu_count()} cores, gunicorn {args.workers} "
            f"{args.worker_class} workers, PostgreSQL + Redis on the same machine, wrk "
            f"{args.threads_wrk} thread(s)"
        )
        print(setup_line)
        print(table)
        print(profile_text)
        print(
            f"\nTotal run time {(time.perf_counter() - started) / 60:.1f} min; server log "
            f"{server_log} ({server_log.stat().st_size:,} bytes)"
        )
        if args.json:
            figures = [asdict(result) for result in results]
            for figure in figures:
                for runs in (figure["load"], figure["unloaded"]):
                    for run in runs.values():
                        run.pop("raw")
            args.json.write_text(
                json.dumps(
                    {"results": figures, "profile": profile_text, "report": table},
                    indent=1,
                    default=str,
                )
            )
    finally:
        if server is not None:
            server.stop()
        with contextlib.suppress(Exception):
            from django.core.cache import cache
            from django.db import connections

            cache.clear()
            connections.close_all()
        if not args.keep:
            with contextlib.suppress(Exception):
                admin_sql(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
            log(f"dropped {args.db}")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

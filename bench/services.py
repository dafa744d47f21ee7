"""The processes a bench run starts: its own PostgreSQL cluster, redis-server, gunicorn and
Celery workers.

Each runs in a process group of its own and is registered with a `Processes` stack, which
stops every group on exit: normally, on an error, on Ctrl-C and on SIGTERM (run.py turns that
into SystemExit). Everything listens on 127.0.0.1 on a spare port.
"""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
# Requests reach gunicorn as from the TLS proxy of docs/deployment.md.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: IO[bytes] | None = None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the whole group, then SIGKILL after `timeout` seconds."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        # Children left in the group (a worker that outlived its master) go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        if self.log is not None:
            self.log.close()


@dataclass
class Processes:
    """Every process the run started, newest first on the way out."""

    items: list[Process] = field(default_factory=list)

    def start(
        self, name: str, argv: Sequence[str], *, env: dict[str, str], log: Path | None = None
    ) -> Process:
        out = log.open("ab") if log is not None else None
        popen = subprocess.Popen(  # noqa: S603 (our own command lines)
            list(argv),
            env=env,
            cwd=ROOT,
            stdout=out or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if out else subprocess.DEVNULL,
            start_new_session=True,  # its own process group, stopped as one
        )
        process = Process(name, popen, out)
        self.items.append(process)
        return process

    def stop(self, process: Process) -> None:
        process.stop()
        if process in self.items:
            self.items.remove(process)

    def stop_all(self) -> None:
        while self.items:
            self.items.pop().stop()

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop_all()


def start_redis(processes: Processes, *, port: int, log: Path) -> Process:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    process = processes.start(
        "redis",
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        env=dict(os.environ),
        log=log,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not start on port {port}")


# The bench's own cluster: PostgreSQL's defaults (as the Debian server), except room for the
# rush's 200 pgbench clients next to gunicorn, Celery and the harness.
POSTGRES_SETTINGS = {
    "max_connections": "300",
    "listen_addresses": "127.0.0.1",
    "log_line_prefix": "%m [%p] %d ",
}


def postgres_bindir() -> Path | None:
    """The server's binaries: initdb on PATH (resolving a link), else the newest of Debian's."""
    on_path = shutil.which("initdb")
    if on_path and (Path(on_path).resolve().parent / "pg_isready").exists():
        return Path(on_path).resolve().parent
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


@dataclass
class Postgres:
    """A cluster of the bench's own: a temporary data directory, a spare port, a log file."""

    process: Process
    port: int
    data: Path
    log: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def log_count(self, text: str) -> int:
        """Lines of the server log that contain `text` (e.g. "deadlock detected")."""
        with self.log.open(encoding="utf-8", errors="replace") as lines:
            return sum(text in line for line in lines)

    def remove(self) -> None:
        shutil.rmtree(self.data, ignore_errors=True)


def start_postgres(processes: Processes, *, port: int, log: Path) -> Postgres:
    """initdb into a temporary directory and start `postgres` on `port`; returns once it answers.

    PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
    """
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL's server binaries (initdb, postgres) are not installed")
    data = Path(tempfile.mkdtemp(prefix="yuchuang-bench-pg-"))
    try:
        return _start_cluster(processes, bindir, data, port=port, log=log)
    except BaseException:
        shutil.rmtree(data, ignore_errors=True)  # the caller stops the process with the rest
        raise


def _start_cluster(
    processes: Processes, bindir: Path, data: Path, *, port: int, log: Path
) -> Postgres:
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run(  # noqa: S603 (our own command line)
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ],
        check=True,
        capture_output=True,
    )
    settings = {**POSTGRES_SETTINGS, "port": str(port), "unix_socket_directories": str(data)}
    argv = [*as_user, str(bindir / "postgres"), "-D", str(data)]
    for name, value in settings.items():
        argv += ["-c", f"{name}={value}"]
    process = processes.start("postgres", argv, env=dict(os.environ), log=log)
    server = Postgres(process, port, data, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"postgres exited with {process.popen.returncode}: see {log}")
        ready = subprocess.run(  # noqa: S603
            [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)], check=False
        )
        if ready.returncode == 0:
            return server
        time.sleep(0.1)
    raise RuntimeError(f"postgres did not start on port {port}: see {log}")


@dataclass(frozen=True)
class WorkerModel:
    """How gunicorn serves: `workers` processes of `worker_class`, `threads` each."""

    workers: int
    worker_class: str = "sync"
    threads: int = 1

    @property
    def label(self) -> str:
        if self.worker_class == "gthread":
            return f"gthread {self.workers}×{self.threads}"
        return f"{self.worker_class} ×{self.workers}"

    def argv(self) -> list[str]:
        args = ["--workers", str(self.workers), "--worker-class", self.worker_class]
        if self.worker_class == "gthread":
            args += ["--threads", str(self.threads)]
        return args


def start_gunicorn(
    processes: Processes, *, port: int, model: WorkerModel, env: dict[str, str], log: Path
) -> Process:
    """gunicorn with the bench settings; returns once it answers."""
    process = processes.start(
        "gunicorn",
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--config",
            str(ROOT / "config" / "gunicorn.py"),  # as deployed (docs/deployment.md)
            "--bind",
            f"127.0.0.1:{port}",
            *model.argv(),
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--keep-alive",
            "5",
        ],
        env=env,
        log=log,
    )
    wait_until_up(f"http://127.0.0.1:{port}/api/bench/bare/", process)
    return process


def wait_until_up(url: str, process: Process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers=PROXY_HEADERS)  # noqa: S310 (http on 127.0.0.1)
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited with {process.popen.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not answer {url} within {timeout:.0f} s")


def warm(url: str, count: int, headers: dict[str, str] | None = None) -> None:
    """A few requests so that every worker has its connections and caches before measuring."""
    request = urllib.request.Request(url, headers={**PROXY_HEADERS, **(headers or {})})  # noqa: S310
    for _ in range(count):
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()


def drain(url: str, workers: int, timeout: float = 60) -> None:
    """Wait until every worker is free again: requests a run left behind (wrk closes its
    connections at the end, but gunicorn still serves what it accepted) would slow the next.

    Sends `workers` requests at once until all of them answer within 100 ms.
    """
    from concurrent.futures import ThreadPoolExecutor

    request = urllib.request.Request(url, headers=PROXY_HEADERS)  # noqa: S310 (http on 127.0.0.1)

    def probe(_: int) -> float:
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
        return time.monotonic() - started

    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(workers) as pool:
        while time.monotonic() < deadline:
            if max(pool.map(probe, range(workers))) < 0.1:
                return
    raise RuntimeError(f"the server stayed busy for {timeout:.0f} s after a run")

"""Real services for the suites that need them: a redis-server of our own, a Celery worker.

Both run on 127.0.0.1 on a spare port, and both are stopped by the test that started them.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.db import connection
from kombu import pools

ROOT = Path(__file__).resolve().parent.parent
QUEUES = "default,email,webhooks,heavy"


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url() -> str:
    """The URL of the database the tests use (the test database), for a subprocess."""
    database = connection.settings_dict
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


class RedisServer:
    """`redis-server` on a spare port, nothing kept on disk. stop() and start() at will."""

    def __init__(self) -> None:
        self.port = spare_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class Worker:
    """`celery worker` on every queue, as deployed, with the test settings and database."""

    def __init__(self, broker_url: str, **env: str) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CELERY_BROKER_URL": broker_url,
            "DATABASE_URL": database_url(),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
             "-Q", QUEUES, "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel", "WARNING"],
            cwd=ROOT,
            env=self.env,
        )  # fmt: skip
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no goodbye, no acknowledgement, as when a machine dies."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def use_broker(app: Any, url: str) -> None:
    """Point this process's Celery app at `url` (its connection pool starts afresh).

    Celery reads the CELERY_BROKER_URL environment variable before its own setting, so both
    change.
    """
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app.close()
    pools.reset()  # kombu keeps producers per connection in a process-wide registry
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None

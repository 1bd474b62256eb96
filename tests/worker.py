"""A real Celery worker in a subprocess, for the few tests that must cross a real broker.

Use from a fixture of a transactional test (the worker reads what the test committed):

    @pytest.fixture
    def pdf_worker(transactional_db: None, tmp_path: Path, settings) -> Iterator[CeleryWorker]:
        settings.MEDIA_ROOT = tmp_path / "media"   # the worker's DJANGO_VAR_DIR is tmp_path
        with celery_worker(queues=["pdf"], broker_url=require_redis(), var_dir=tmp_path) as worker:
            yield worker

Inside the block this process publishes to the same Redis database (eager mode off), so
`.delay()` and `transaction.on_commit` go through the broker like in production. The worker runs in
its own process group and is stopped (TERM, then KILL) however the block ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection
from kombu import pools as kombu_pools

from project.celery import app as celery_app

STOP_TIMEOUT = 20.0


@dataclass
class CeleryWorker:
    process: subprocess.Popen[bytes]
    hostname: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


def database_url_of_test_db() -> str:
    """The URL of the database this test runs against (the test database), for another process."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(params['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        user = quote(params.get("USER") or "", safe="")
        password = quote(params.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = params.get("HOST") or "localhost"
        port = params.get("PORT") or "5432"
        return f"postgres://{auth}{host}:{port}/{quote(params['NAME'], safe='')}"
    raise NotImplementedError(f"no URL for a {connection.vendor} test database")


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.2, what: str = "") -> None:
    """Poll until `condition()` holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what or condition}")
        time.sleep(interval)


@contextlib.contextmanager
def publishing_to(broker_url: str) -> Iterator[None]:
    """Make this process's Celery app publish to `broker_url`, not the configured broker, and not eagerly."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_transport_options, conf.task_always_eager)
    conf.broker_url = broker_url
    conf.broker_transport_options = {"visibility_timeout": 3600}
    conf.task_always_eager = False
    _drop_broker_connections()
    try:
        yield
    finally:
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = saved
        _drop_broker_connections()


def _drop_broker_connections() -> None:
    # The app caches its connection and producer pools on first use; without dropping them a broker
    # change is ignored. Celery does the same after a fork (Celery._after_fork).
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    # kombu keeps its pools in a global registry keyed by the broker URL: without forgetting the closed one,
    # the next worker of the same test session would be handed it again ("Acquire on closed pool").
    kombu_pools.reset()
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    # The control mailbox (ping) caches the producer pool it met first: a second worker in the same test
    # session would ping through the pool closed above ("Acquire on closed pool"). Celery drops it after a fork.
    control = celery_app.__dict__.get("control")
    if control is not None:
        control.mailbox.__dict__.pop("producer_pool", None)


def _die_with_parent() -> None:
    # Linux: the worker gets SIGTERM if this test process dies without running its teardown.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def celery_worker(
    *,
    queues: Sequence[str],
    broker_url: str,
    var_dir: Path,
    ready_timeout: float = 60.0,
    include: Sequence[str] = (),
    flush: bool = True,
) -> Iterator[CeleryWorker]:
    """Start `celery -A project worker -Q <queues>` against the test database; stop it on exit.

    `include`: extra modules the worker imports at start (`--include`), e.g. test-only document kinds.
    `flush=False` keeps what the broker holds (a message a killed worker left unacknowledged).
    """
    if flush:
        redis.Redis.from_url(broker_url).flushdb()  # no messages left over from an earlier run
    var_dir.mkdir(parents=True, exist_ok=True)
    hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DATABASE_URL": database_url_of_test_db(),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_VAR_DIR": str(var_dir),
    }
    # As in Procfile.dev's pdf worker: prefork, one process, recycled after 20 tasks.
    command = [
        sys.executable, "-m", "celery", "-A", "project", "worker",
        "--queues", ",".join(queues), "--hostname", hostname,
        "--concurrency", "1", "--max-tasks-per-child", "20", "--loglevel", "INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    if include:
        command += ["--include", ",".join(include)]
    log_path = var_dir / f"worker-{hostname.split('@')[0]}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool's children die with it
            preexec_fn=_die_with_parent,  # safe here: the test process runs no threads
        )
    worker = CeleryWorker(process=process, hostname=hostname, log_path=log_path)
    try:
        with publishing_to(broker_url):
            _wait_until_ready(worker, ready_timeout)
            yield worker
    finally:
        _stop(process)


def _wait_until_ready(worker: CeleryWorker, timeout: float) -> None:
    def answers_ping() -> bool:
        if worker.process.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.process.returncode}:\n{worker.log_tail()}")
        return bool(celery_app.control.ping(destination=[worker.hostname], timeout=0.5))

    try:
        wait_for(answers_ping, timeout=timeout, what=f"worker {worker.hostname} to answer a ping")
    except TimeoutError as error:
        raise TimeoutError(f"{error}\n{worker.log_tail()}") from None


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown first (TERM), then KILL the whole process group if it lingers."""
    for sig, timeout in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    # The group may still hold pool children after the main process is gone.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)

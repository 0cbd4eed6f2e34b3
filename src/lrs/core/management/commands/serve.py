"""`lrs serve`: migrate if needed, then the portal, the API and background workers together.

Python runs one thread at a time in a process, so one web process uses one core however
many threads it has. On Linux (and other POSIX systems) the web side is therefore gunicorn:
a master process and ``--web-workers`` worker processes, each with ``--threads`` threads
(gthread), defaulting to one process a core. Where gunicorn cannot run (Windows) waitress
serves from this process with threads, as before. ``--server`` forces either.

Everything started here stops on Ctrl-C or SIGTERM: the web processes first (gunicorn lets
requests in flight finish), then the background workers. This process only supervises:
gunicorn's master and the background workers are its children, and a background worker
that exits while the service runs is started again (``BackgroundWorkers``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

AUTO, GUNICORN, WAITRESS = "auto", "gunicorn", "waitress"
# How long requests in flight may take to finish after a stop before they are cut off.
GRACEFUL_STOP_SECONDS = 20
BACKGROUND_STOP_SECONDS = 10
# A background worker that exits while the service runs is started again after a pause:
# RESTART_DELAY_SECONDS if it had run for STEADY_RUN_SECONDS, else twice the last pause,
# up to RESTART_DELAY_MAX_SECONDS, so one that cannot start (a database it cannot reach)
# is retried every minute rather than in a tight loop.
RESTART_DELAY_SECONDS = 1.0
RESTART_DELAY_MAX_SECONDS = 60.0
STEADY_RUN_SECONDS = 60.0
SUPERVISE_EVERY_SECONDS = 1.0

logger = logging.getLogger(__name__)


def cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def gunicorn_available() -> bool:
    if sys.platform == "win32":
        return False
    try:
        import gunicorn.app.base  # noqa: F401
    except ImportError:
        return False
    return True


def choose_server(requested: str) -> str:
    """The web server to run: the one asked for, or gunicorn wherever it can run."""
    if requested == GUNICORN and not gunicorn_available():
        raise CommandError(
            "gunicorn cannot run here (it needs Linux or another POSIX system, and the "
            "gunicorn package): use --server waitress"
        )
    if requested == AUTO:
        return GUNICORN if gunicorn_available() else WAITRESS
    return requested


@dataclass(frozen=True)
class WebOptions:
    host: str
    port: int
    web_workers: int
    threads: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def forwarded_allow_ips() -> str:
    """The proxies whose X-Forwarded-* headers gunicorn believes (LRS_TRUSTED_PROXIES).

    None by default, like waitress without ``trusted_proxy``: a client must not be able
    to claim HTTPS or another address by sending the headers itself.
    """
    return ",".join(settings.LRS_TRUSTED_PROXIES)


def waitress_proxy_options() -> dict[str, Any]:
    """waitress's trusted-proxy options for LRS_TRUSTED_PROXIES (it trusts one address)."""
    proxies = list(settings.LRS_TRUSTED_PROXIES)
    if not proxies:
        return {}
    if len(proxies) > 1:
        raise CommandError(
            "waitress trusts one proxy address: set LRS_TRUSTED_PROXIES to one address, "
            "or serve with gunicorn (--server gunicorn)"
        )
    return {
        "trusted_proxy": proxies[0],
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        "clear_untrusted_proxy_headers": True,
    }


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """SIGTERM and a lost terminal (SIGHUP) stop everything, as Ctrl-C does."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _raise_keyboard_interrupt)


def _child_options() -> dict[str, Any]:
    """How this process starts gunicorn and the background workers.

    Each in a session of its own, so that Ctrl-C reaches only this process, which then
    stops each child once, in order: a gunicorn worker that got the terminal's SIGINT and
    its master's signal as well could hang on its way out. On Linux a child is also told
    to stop if this process dies without stopping it (killed), so none is left behind.
    """
    if os.name != "posix":
        return {}
    options: dict[str, Any] = {"start_new_session": True}
    if sys.platform.startswith("linux"):
        _prctl()  # looked up here, in the parent (see _prctl)
        options["preexec_fn"] = _stop_when_parent_dies
    return options


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up in this process before any child is started: a worker may be
    started again from the supervising thread, and a child forked from a process with
    threads must not import a module or load a library before it runs its program (it
    could wait forever for a lock another thread held at the fork)."""
    try:
        import ctypes

        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


def _stop_when_parent_dies() -> None:
    pr_set_pdeathsig = 1
    prctl = _prctl()
    if prctl is not None:
        with contextlib.suppress(OSError):
            prctl(pr_set_pdeathsig, signal.SIGTERM)


def serve_with_waitress(web: WebOptions) -> None:
    """Serve from this process with threads until Ctrl-C or SIGTERM (one core at most)."""
    from waitress import serve

    from lrs.wsgi import application

    with contextlib.suppress(KeyboardInterrupt):
        serve(
            application,
            host=web.host,
            port=web.port,
            threads=web.threads,
            ident="LRS",
            **waitress_proxy_options(),
        )


def gunicorn_command(web: WebOptions) -> list[str]:
    host = f"[{web.host}]" if ":" in web.host else web.host
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{web.port}",
        "--workers",
        str(web.web_workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(web.threads),
        "--graceful-timeout",
        str(GRACEFUL_STOP_SECONDS),
        "--keep-alive",
        "5",
        "--forwarded-allow-ips",
        forwarded_allow_ips(),
        "--name",
        "lrs",
        # Its start-up narration would bury the line that matters; errors still show.
        "--log-level",
        "warning",
        "lrs.wsgi:application",
    ]


def serve_with_gunicorn(web: WebOptions) -> None:
    """Run gunicorn (a master and its web processes) until Ctrl-C or SIGTERM.

    gunicorn runs as a child of this process rather than in it, so that its forked
    workers inherit nothing of this one (database connections, the background workers'
    handles). SIGTERM lets requests in flight finish, for up to GRACEFUL_STOP_SECONDS.
    """

    process = subprocess.Popen(gunicorn_command(web), **_child_options())  # noqa: S603
    try:
        returncode = process.wait()
    except KeyboardInterrupt:
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            process.wait(timeout=GRACEFUL_STOP_SECONDS + 10)
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        return
    if returncode != 0:
        raise CommandError(f"the web server (gunicorn) stopped with status {returncode}")


class Process(Protocol):
    """What supervising needs of a child process (a subprocess.Popen)."""

    pid: int

    def poll(self) -> int | None: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...


def start_background_worker() -> Process:
    return subprocess.Popen(
        [sys.executable, "-m", "lrs.cli", "worker", "--verbosity", "1"], **_child_options()
    )


def stop_background_workers(workers: list[Process]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=BACKGROUND_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _exit_status(returncode: int) -> str:
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-returncode).name}"
    return f"status {returncode}"


@dataclass
class _Slot:
    process: Process
    started_at: float
    delay: float = 0.0
    restart_at: float | None = None


class BackgroundWorkers:
    """The background worker processes of `lrs serve`, each started again if it exits
    while the service runs: batch files, achievement files and emails would otherwise
    wait, unseen, while the portal goes on taking them.

    ``check`` is one round of supervision; ``supervise`` runs it in a thread every
    SUPERVISE_EVERY_SECONDS until ``stop``, which then stops every worker.
    """

    def __init__(
        self,
        count: int,
        *,
        start: Callable[[], Process] = start_background_worker,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._start, self._clock = start, clock
        self._slots = [_Slot(start(), clock()) for _ in range(max(0, count))]
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def __len__(self) -> int:
        return len(self._slots)

    @property
    def processes(self) -> list[Process]:
        return [slot.process for slot in self._slots]

    def check(self) -> None:
        """Note every worker that has exited, and start again each one whose pause is over."""
        now = self._clock()
        for number, slot in enumerate(self._slots, start=1):
            if slot.restart_at is None:
                returncode = slot.process.poll()
                if returncode is None:
                    continue
                ran = now - slot.started_at
                steady = ran >= STEADY_RUN_SECONDS
                slot.delay = (
                    RESTART_DELAY_SECONDS
                    if steady or not slot.delay
                    else min(slot.delay * 2, RESTART_DELAY_MAX_SECONDS)
                )
                slot.restart_at = now + slot.delay
                logger.error(
                    "Background worker %d (pid %d) exited (%s) after %.0f s; starting it "
                    "again in %.0f s",
                    number,
                    slot.process.pid,
                    _exit_status(returncode),
                    ran,
                    slot.delay,
                )
            if now >= slot.restart_at:
                slot.process = self._start()
                slot.started_at, slot.restart_at = now, None
                logger.warning(
                    "Background worker %d started again (pid %d)", number, slot.process.pid
                )

    def supervise(self) -> None:
        self._thread = threading.Thread(target=self._supervise, name="supervise", daemon=True)
        self._thread.start()

    def _supervise(self) -> None:
        while not self._stopping.wait(SUPERVISE_EVERY_SECONDS):
            try:
                self.check()
            # A worker that could not be started (the fork refused) is tried next round.
            except Exception:
                logger.exception("Could not supervise the background workers")

    def stop(self) -> None:
        """Stop supervising (no worker is started again from now), then stop every worker."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=BACKGROUND_STOP_SECONDS)
        stop_background_workers(self.processes)


class Command(BaseCommand):
    help = (
        "Apply pending migrations, then serve the web portal and the API (gunicorn with one "
        "process a core on Linux, waitress elsewhere) and run background workers, until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on")
        parser.add_argument(
            "--web-workers",
            type=int,
            default=cores(),
            help="Web server processes (gunicorn only; default: one a core, here %(default)s)",
        )
        parser.add_argument(
            "--threads", type=int, default=8, help="Threads in each web server process"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=cores(),
            help="Background worker processes (default: one a core, here %(default)s)",
        )
        parser.add_argument(
            "--server",
            choices=[AUTO, GUNICORN, WAITRESS],
            default=AUTO,
            help="Web server: gunicorn where it can run (Linux), otherwise waitress (default)",
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not apply pending migrations first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        server = choose_server(options["server"])
        if options["web_workers"] < 1 or options["threads"] < 1:
            raise CommandError("--web-workers and --threads must be at least 1")
        if server != GUNICORN:
            waitress_proxy_options()  # refuse a setting waitress cannot honour, before starting
        web = WebOptions(
            host=options["host"],
            port=options["port"],
            web_workers=options["web_workers"] if server == GUNICORN else 1,
            threads=options["threads"],
        )
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)

        stop_on_signals()
        workers = BackgroundWorkers(options["workers"])
        workers.supervise()
        processes = "process" if web.web_workers == 1 else "processes"
        announce = (
            f"LRS is running on {web.url} ({server}: {web.web_workers} web {processes} of "
            f"{web.threads} threads, {len(workers)} background workers; Ctrl-C stops it)"
        )
        self.stdout.write(announce)
        self.stdout.flush()
        try:
            if server == GUNICORN:
                serve_with_gunicorn(web)
            else:
                serve_with_waitress(web)
        finally:
            workers.stop()
            self.stdout.write("LRS stopped.")

"""`lrs serve`: migrate if needed, then the portal, the API and background workers together.

Python runs one thread at a time in a process, so one web process uses one core however
many threads it has. On Linux (and other POSIX systems) the web side is therefore gunicorn:
a master process and ``--web-workers`` worker processes, each with ``--threads`` threads
(gthread), defaulting to one process a core. Where gunicorn cannot run (Windows) waitress
serves from this process with threads, as before. ``--server`` forces either.

Everything started here stops on Ctrl-C or SIGTERM: the web processes first (gunicorn lets
requests in flight finish), then the background workers. This process only supervises:
gunicorn's master and the background workers are its children.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

AUTO, GUNICORN, WAITRESS = "auto", "gunicorn", "waitress"
# How long requests in flight may take to finish after a stop before they are cut off.
GRACEFUL_STOP_SECONDS = 20
BACKGROUND_STOP_SECONDS = 10


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
        options["preexec_fn"] = _stop_when_parent_dies
    return options


def _stop_when_parent_dies() -> None:
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


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


def start_background_workers(count: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "lrs.cli", "worker", "--verbosity", "1"], **_child_options()
        )
        for _ in range(max(0, count))
    ]


def stop_background_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=BACKGROUND_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


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
        workers = start_background_workers(options["workers"])
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
            stop_background_workers(workers)
            self.stdout.write("LRS stopped.")

"""`lrs serve` for real: several web processes, health, and a clean stop on SIGTERM."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lrs.core.management.commands import serve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children() -> dict[int, int]:
    """Every live process's parent, read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (in brackets) may hold spaces; the fields after it do not.
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    return parents


def _descendants(pid: int) -> set[int]:
    parents = _children()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _get_healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _environment(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LRS_LOCAL_DEMO"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="test-only-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        LRS_DATA_DIR=str(data_dir),
        LRS_WORKER_HEARTBEAT_SECONDS="1",
    )
    return env


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary SQLite database, migrated once for every server started here."""
    folder = tmp_path_factory.mktemp("serve")
    subprocess.run(
        [sys.executable, "-m", "lrs.cli", "migrate", "--verbosity", "0"],
        env=_environment(folder),
        check=True,
    )
    return folder


def _start(data_dir: Path, *args: str) -> tuple[subprocess.Popen[str], int]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lrs.cli", "serve", "--no-migrate", "--port", str(port), *args],
        env=_environment(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, port


def _wait_healthy(process: subprocess.Popen[str], port: int) -> int:
    deadline = time.monotonic() + 120
    status = 0
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            status = _get_healthz(port)
        except OSError:
            status = 0
        if status == 200:
            return status
        time.sleep(0.5)
    return status


def _stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"lrs serve did not stop within 60 s of SIGTERM:\n{output}")
    return process.returncode, output


@pytest.mark.skipif(not serve.gunicorn_available(), reason="gunicorn runs on POSIX only")
def test_serve_answers_with_two_web_processes_and_stops_cleanly_on_sigterm(data_dir):
    process, port = _start(data_dir, "--web-workers", "2", "--workers", "1", "--threads", "2")
    try:
        assert _wait_healthy(process, port) == 200
        # gunicorn's master, its two web processes and one background worker.
        descendants = _descendants(process.pid)
        assert len(descendants) == 4, descendants
        returncode, output = _stop(process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert returncode == 0, output
    assert "gunicorn: 2 web processes of 2 threads, 1 background workers" in output
    assert output.count("LRS stopped.") == 1, output
    assert "Traceback" not in output, output
    time.sleep(0.5)
    assert not (descendants & set(_children())), "processes left running after the stop"


def test_serve_with_waitress_when_forced_answers_and_stops_cleanly_on_sigterm(data_dir):
    process, port = _start(data_dir, "--server", "waitress", "--workers", "1")
    try:
        assert _wait_healthy(process, port) == 200
        descendants = _descendants(process.pid)
        assert len(descendants) == 1, descendants
        returncode, output = _stop(process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert returncode == 0, output
    assert "waitress: 1 web process of 8 threads" in output
    assert "Traceback" not in output, output
    time.sleep(0.5)
    assert not (descendants & set(_children())), "processes left running after the stop"


def test_auto_chooses_gunicorn_where_it_can_run_and_waitress_elsewhere(monkeypatch):
    monkeypatch.setattr(serve, "gunicorn_available", lambda: True)
    assert serve.choose_server("auto") == "gunicorn"
    assert serve.choose_server("waitress") == "waitress"
    monkeypatch.setattr(serve, "gunicorn_available", lambda: False)
    assert serve.choose_server("auto") == "waitress"


def test_forcing_gunicorn_where_it_cannot_run_says_to_use_waitress(monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setattr(serve, "gunicorn_available", lambda: False)
    with pytest.raises(CommandError, match="--server waitress"):
        serve.choose_server("gunicorn")


def test_gunicorn_is_not_offered_on_windows(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    assert serve.gunicorn_available() is False


def test_web_and_background_workers_default_to_the_cores():
    from django.core.management import load_command_class

    parser = load_command_class("lrs.core", "serve").create_parser("lrs", "serve")
    defaults = parser.parse_args([])
    assert defaults.web_workers == serve.cores() == defaults.workers
    assert defaults.server == "auto"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's parent-death signal")
def test_nothing_is_left_running_when_serve_itself_is_killed(data_dir):
    process, port = _start(data_dir, "--web-workers", "1", "--workers", "1", "--threads", "2")
    try:
        assert _wait_healthy(process, port) == 200
        descendants = _descendants(process.pid)
        assert len(descendants) == 3, descendants
        process.kill()
        process.communicate(timeout=30)
        deadline = time.monotonic() + 60
        while descendants & set(_children()) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = descendants & set(_children())
    finally:
        for pid in _descendants(process.pid) | (descendants & set(_children())):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert not left, "processes left running after lrs serve was killed"


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    """One request, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status), dict(response.headers)
    except urllib.error.HTTPError as error:
        return int(error.code), dict(error.headers)


HTTPS_PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


@pytest.mark.parametrize(
    "server",
    [
        pytest.param(
            "gunicorn",
            marks=pytest.mark.skipif(
                not serve.gunicorn_available(), reason="gunicorn runs on POSIX only"
            ),
        ),
        "waitress",
    ],
)
def test_behind_a_trusted_proxy_https_is_believed_and_from_anyone_else_it_is_not(
    data_dir, monkeypatch, server
):
    # Production settings with SSL redirect: a proxy that ends TLS says so in
    # X-Forwarded-Proto; LRS must neither loop on the redirect nor drop HSTS.
    monkeypatch.setenv("SECURE_SSL_REDIRECT", "true")
    monkeypatch.setenv("LRS_TRUSTED_PROXIES", "127.0.0.1")
    process, port = _start(
        data_dir, "--server", server, "--web-workers", "1", "--workers", "0", "--threads", "2"
    )
    try:
        deadline = time.monotonic() + 120
        status, headers = 0, {}
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                status, headers = _get(port, "/sign-in", HTTPS_PROXY_HEADERS)
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200, (status, headers)
        assert "max-age=" in headers.get("Strict-Transport-Security", "")
        # The same request without the proxy's word is plain HTTP: redirected to https.
        plain, redirect = _get(port, "/sign-in", {})
        assert plain == 301
        assert redirect["Location"].startswith("https://")
    finally:
        _stop(process)

    # Not a trusted proxy: a client claiming https itself is not believed.
    monkeypatch.setenv("LRS_TRUSTED_PROXIES", "192.0.2.1")
    process, port = _start(
        data_dir, "--server", server, "--web-workers", "1", "--workers", "0", "--threads", "2"
    )
    try:
        assert _wait_healthy_or_redirected(process, port)
        forged, _headers = _get(port, "/sign-in", HTTPS_PROXY_HEADERS)
        assert forged == 301
    finally:
        _stop(process)


def _wait_healthy_or_redirected(process: subprocess.Popen[str], port: int) -> bool:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            _get(port, "/healthz", {})
            return True
        except OSError:
            time.sleep(0.5)
    return False


def test_waitress_refuses_more_than_one_trusted_proxy_before_starting(settings):
    from django.core.management.base import CommandError

    settings.LRS_TRUSTED_PROXIES = ["10.0.0.1", "10.0.0.2"]
    with pytest.raises(CommandError, match="one proxy address"):
        serve.waitress_proxy_options()
    settings.LRS_TRUSTED_PROXIES = ["10.0.0.1"]
    assert serve.waitress_proxy_options()["trusted_proxy"] == "10.0.0.1"
    assert serve.forwarded_allow_ips() == "10.0.0.1"


# --- Supervising the background workers (fake processes, a fake clock) -------------------


class FakeWorker:
    """A background worker process as supervision sees it."""

    pids = iter(range(1000, 2000))

    def __init__(self) -> None:
        self.pid = next(self.pids)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode

    def terminate(self) -> None:
        if self.returncode is None:
            self.returncode = -signal.SIGTERM

    def kill(self) -> None:
        self.returncode = -signal.SIGKILL

    def wait(self, timeout: float | None = None) -> int:
        assert self.returncode is not None, "waited for a worker nobody stopped"
        return self.returncode


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _supervised(count: int) -> tuple[serve.BackgroundWorkers, list[FakeWorker], Clock]:
    started: list[FakeWorker] = []

    def start() -> FakeWorker:
        started.append(FakeWorker())
        return started[-1]

    clock = Clock()
    return serve.BackgroundWorkers(count, start=start, clock=clock), started, clock


def test_a_background_worker_that_exits_while_serving_is_started_again_and_logged(caplog):
    workers, started, clock = _supervised(2)
    first, second = started
    clock.now += 3600  # an hour of work
    first.returncode = 1
    with caplog.at_level("WARNING", logger=serve.__name__):
        workers.check()
        assert workers.processes == [first, second]  # not yet: a pause first
        clock.now += serve.RESTART_DELAY_SECONDS
        workers.check()
    assert len(started) == 3
    assert workers.processes == [started[2], second]
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"Background worker 1 (pid {first.pid}) exited (status 1) after 3600 s; "
        "starting it again in 1 s",
        f"Background worker 1 started again (pid {started[2].pid})",
    ]
    workers.check()
    assert len(started) == 3  # the new one runs: nothing more to do


def test_a_worker_that_keeps_exiting_at_start_is_started_again_ever_more_slowly():
    workers, started, clock = _supervised(1)
    pauses = []
    for _ in range(9):
        started[-1].returncode = 3
        workers.check()
        exited_at, count = clock.now, len(started)
        while len(started) == count:
            clock.now += 0.5
            workers.check()
        pauses.append(clock.now - exited_at)
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    # After a steady run it is started again promptly.
    clock.now += serve.STEADY_RUN_SECONDS
    started[-1].returncode = -signal.SIGKILL
    workers.check()
    clock.now += serve.RESTART_DELAY_SECONDS
    workers.check()
    assert len(started) == 11


def test_stopping_the_service_stops_every_worker_and_starts_none_again(monkeypatch):
    monkeypatch.setattr(serve, "SUPERVISE_EVERY_SECONDS", 0.01)
    monkeypatch.setattr(serve, "RESTART_DELAY_SECONDS", 0.0)
    started: list[FakeWorker] = []

    def start() -> FakeWorker:
        started.append(FakeWorker())
        return started[-1]

    workers = serve.BackgroundWorkers(2, start=start)
    workers.supervise()
    started[0].returncode = 1
    deadline = time.monotonic() + 10
    while len(started) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(started) == 3, "the supervising thread did not start the exited worker again"

    workers.stop()

    assert all(w.returncode == -signal.SIGTERM for w in (started[1], started[2]))
    time.sleep(0.05)
    assert len(started) == 3

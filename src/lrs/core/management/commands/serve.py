"""`lrs serve`: migrate if needed, then the portal, the API and a worker together."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Apply pending migrations, then serve the web portal and the API (waitress) and run "
        "background workers, until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on")
        parser.add_argument("--workers", type=int, default=1, help="Background worker processes")
        parser.add_argument("--threads", type=int, default=8, help="Web server threads")
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not apply pending migrations first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from lrs.wsgi import application

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)

        workers = [
            subprocess.Popen([sys.executable, "-m", "lrs.cli", "worker", "--verbosity", "1"])
            for _ in range(max(0, options["workers"]))
        ]

        def stop(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        host, port = options["host"], options["port"]
        self.stdout.write(f"LRS is running on http://{host}:{port}/ (Ctrl-C stops it)")
        try:
            serve(application, host=host, port=port, threads=options["threads"], ident="LRS")
        except KeyboardInterrupt:
            pass
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
            self.stdout.write("LRS stopped.")

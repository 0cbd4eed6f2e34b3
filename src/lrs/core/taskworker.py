"""The loop that runs background tasks: django-tasks-db's worker, made to outlive a
database that is briefly unavailable when a task's outcome is recorded.

django-tasks-db records a task's outcome with ``DBTaskResult.set_successful`` or, from
the ``except`` clause around the task, ``set_failed``. Each tries three times within a
third of a second; an error after that escapes ``Worker.run_task`` and ends the process,
leaving the result RUNNING. SQLite's write lock can be held for longer than that (a
batch chunk in another process), and a PostgreSQL connection can drop. Here both
recordings are tried again for longer, on a fresh connection, and a worker that still
cannot record an outcome says so loudly and goes on with the next task.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast

from django.db import InterfaceError, OperationalError, connections, router
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import is_locked_database_exception

logger = logging.getLogger(__name__)

# Seconds to wait before each further attempt at recording an outcome (about 15 s in all,
# besides the time each attempt itself waits for SQLite's lock: its busy timeout).
RECORD_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)
# PostgreSQL's SQLSTATE classes worth another try on a new connection: 08 the connection
# failed, 40 the transaction was rolled back (deadlock, serialisation), 53 the server ran
# short (too many connections), 57 an operator's intervention (shutdown, restart,
# statement timeout); and 55P03, a lock not available.
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57"})
TRANSIENT_SQLSTATES = frozenset({"55P03"})


def is_transient_database_error(error: BaseException, *, vendor: str) -> bool:
    """Whether a write that failed with ``error`` may succeed if made again in a moment
    on a new connection: the database was locked or the connection lost, rather than
    the statement or the schema being wrong (SQLite's "no such table", a disk full),
    which no retry mends."""
    if isinstance(error, InterfaceError):
        # Django's "connection already closed": the connection died before this write.
        return True
    if not isinstance(error, OperationalError) or not error.args:
        return False
    if is_locked_database_exception(error):
        return True
    sqlstate = getattr(error.__cause__, "sqlstate", None) or ""
    if sqlstate:
        return sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES or sqlstate in TRANSIENT_SQLSTATES
    # psycopg gives no SQLSTATE when the server went away mid-statement; SQLite never
    # gives one, and its only transient error is the lock handled above.
    return vendor != "sqlite"


def record_outcome(result: DBTaskResult, record: Callable[[], None], outcome: str) -> None:
    """Make ``record`` (a write of the task's outcome to its result row), trying again
    after each transient database error; give up, loudly, after RECORD_RETRY_DELAYS.

    Another error is raised at once, as django-tasks-db would: a return value that is not
    JSON is then recorded as the task's failure."""
    alias = router.db_for_write(DBTaskResult, instance=result)
    for attempt, delay in enumerate((*RECORD_RETRY_DELAYS, None), start=1):
        try:
            record()
            return
        except (OperationalError, InterfaceError) as error:
            connection = connections[alias]
            if not is_transient_database_error(error, vendor=connection.vendor):
                raise
            # A lost connection is useless to the next attempt, and a locked SQLite one
            # may hold a failed transaction: start again on a new one.
            connection.close()
            if delay is None:
                logger.error(
                    "Could not record that task %s (%s) was %s, after %d attempts: its "
                    "result stays RUNNING until this worker stops and another worker's "
                    "recovery marks it failed. The worker goes on with the next task.",
                    result.id,
                    result.task_path,
                    outcome,
                    attempt,
                    exc_info=True,
                )
                return
            logger.warning(
                "Could not record that task %s (%s) was %s (%s); trying again in %.1f s",
                result.id,
                result.task_path,
                outcome,
                error,
                delay,
            )
            time.sleep(delay)


class _DurableResult:
    """Stands in for a DBTaskResult in django-tasks-db's ``run_task``: everything is the
    result's own except the two writes of its outcome, which go through record_outcome."""

    def __init__(self, result: DBTaskResult) -> None:
        self._result = result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._result, name)

    def set_successful(self, return_value: Any) -> None:
        record_outcome(
            self._result, lambda: self._result.set_successful(return_value), "successful"
        )

    def set_failed(self, exc: BaseException) -> None:
        record_outcome(self._result, lambda: self._result.set_failed(exc), "failed")


class Worker(db_worker.Worker):
    """django-tasks-db's worker, unchanged but for how a task's outcome is recorded."""

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(cast(DBTaskResult, _DurableResult(db_task_result)))

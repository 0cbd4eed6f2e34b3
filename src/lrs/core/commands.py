"""A base for `lrs` sub-commands that call services."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lrs.core.context import call_context
from lrs.core.errors import ServiceError


def command_error(exc: ServiceError) -> CommandError:
    if not exc.problems:
        return CommandError(exc.message)
    return CommandError("; ".join(f"{p.field}: {p.rule}" for p in exc.problems))


class ServiceCommand(BaseCommand):
    """Runs ``dispatch`` in the console's audit context; refusals become clean errors."""

    def handle(self, *args: Any, **options: Any) -> None:
        with call_context(channel="cli"):
            try:
                self.dispatch(options)
            except ServiceError as exc:
                raise command_error(exc) from None

    def dispatch(self, options: dict[str, Any]) -> None:
        raise NotImplementedError

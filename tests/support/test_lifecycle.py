from __future__ import annotations

import ast
from pathlib import Path

from lrs.support import lifecycle
from lrs.support.lifecycle import (
    TRANSITIONS,
    ULN_COUNTS,
    Category,
    Party,
    Status,
    allowed,
    moves_from,
)


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_the_lifecycle_imports_nothing_from_django_so_it_stays_framework_free():
    imports = _imports(Path(lifecycle.__file__))
    assert "enum" in imports
    assert not [name for name in imports if name.startswith(("django", "lrs."))]


def test_a_finished_request_is_reopened_only_by_the_desk_or_by_an_undone_merge():
    for status in (Status.RESOLVED, Status.CLOSED):
        assert moves_from(status, Party.USER) == []
        assert moves_from(status, Party.DESK) == [Status.IN_PROGRESS]
    # A report the system resolved when the desk merged is reopened if the merge is undone;
    # a request the user closed stays closed.
    assert moves_from(Status.RESOLVED, Party.SYSTEM) == [Status.IN_PROGRESS]
    assert moves_from(Status.CLOSED, Party.SYSTEM) == []


def test_only_the_users_reply_moves_a_request_waiting_for_them_back_to_open():
    openers = [(frm, who) for (frm, to), who in TRANSITIONS.items() if to == Status.OPEN]
    assert openers == [(Status.WAITING, frozenset({Party.USER}))]
    assert not allowed(Status.RESOLVED, Status.OPEN, Party.DESK)


def test_each_category_says_how_many_ulns_it_carries():
    assert set(ULN_COUNTS) == set(Category)
    assert ULN_COUNTS[Category.TWO_ULNS] == (2, 10)
    assert ULN_COUNTS[Category.SHARED_ULN] == ULN_COUNTS[Category.DETAILS_WRONG] == (1, 1)
    assert ULN_COUNTS[Category.GENERAL] == (0, 1)

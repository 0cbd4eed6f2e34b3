from __future__ import annotations

import pytest

from lrs.core.errors import NotFound
from lrs.support.selectors import (
    SupportFilter,
    support_attachment_get,
    support_desk_summary,
    support_request_get,
    support_request_list,
    support_status_counts,
)
from lrs.support.services import (
    support_request_assign,
    support_request_create,
    support_request_reply,
)
from tests.support.conftest import upload

pytestmark = pytest.mark.django_db


def _raise(actor, summary="Help", **changes):
    return support_request_create(
        actor=actor,
        category="general",
        summary=summary,
        description="A question",
        **changes,
    )


def test_an_ordinary_user_sees_only_their_own_requests_and_a_super_user_all_of_the_org(
    provider_user, colleague, college_super_user, other_user
):
    mine = _raise(provider_user)
    theirs = _raise(colleague)
    elsewhere = _raise(other_user)
    assert list(support_request_list(actor=provider_user)) == [mine]
    assert set(support_request_list(actor=college_super_user)) == {mine, theirs}
    assert list(support_request_list(actor=other_user)) == [elsewhere]


def test_another_organisation_cannot_open_a_request_or_its_attachment(
    provider_user, other_user, colleague
):
    mine = _raise(provider_user, attachments=[upload()])
    attachment = mine.attachments.get()
    for stranger in (other_user, colleague):
        with pytest.raises(NotFound):
            support_request_get(actor=stranger, reference=mine.reference)
    with pytest.raises(NotFound):
        support_attachment_get(actor=other_user, support_request=mine, attachment_id=attachment.pk)
    assert (
        support_attachment_get(
            actor=provider_user, support_request=mine, attachment_id=attachment.pk
        )
        == attachment
    )


def test_the_desk_sees_every_request_and_filters_by_status_category_and_assignment(
    provider_user, other_user, desk_user
):
    first = _raise(provider_user)
    second = _raise(other_user)
    support_request_assign(actor=desk_user, support_request=first, assignee=desk_user)
    assert set(support_request_list(actor=desk_user)) == {first, second}
    assert list(support_request_list(actor=desk_user, filters=SupportFilter(assigned="me"))) == [
        first
    ]
    assert list(
        support_request_list(actor=desk_user, filters=SupportFilter(assigned="unassigned"))
    ) == [second]
    assert list(
        support_request_list(actor=desk_user, filters=SupportFilter(status="in_progress"))
    ) == [first]
    assert not support_request_list(actor=desk_user, filters=SupportFilter(category="access"))
    counts = support_status_counts(actor=desk_user)
    assert counts["open"] == 1
    assert counts["in_progress"] == 1
    assert counts["resolved"] == 0


def test_the_desk_summary_counts_what_is_waiting_for_the_desk(provider_user, desk_user):
    first = _raise(provider_user)
    _raise(provider_user)
    support_request_reply(actor=desk_user, support_request=first, body="Which one?")
    summary = support_desk_summary(actor=desk_user)
    assert summary.active == 2
    assert summary.waiting_on_desk == 1
    assert summary.unassigned == 1

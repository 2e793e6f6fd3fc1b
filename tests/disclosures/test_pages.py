"""Disclosure pages through Django's test client: what each person is shown, the Guardian's queue
order, and a client's disclosure log answering every disclosure, to whom, what and why."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client as Browser
from django.utils import timezone

from accounts.models import AuditEvent, User
from disclosures import services
from disclosures.models import DisclosureCase, ReleaseMethod, RequestKind, Urgency
from tests.conftest import sign_in_fully
from tests.disclosures import test_workflow
from tests.disclosures.test_workflow import World, _open, _release, _share, _verify

pytestmark = pytest.mark.django_db

world = test_workflow.world  # the same people and record as the workflow tests


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def _released(w: World) -> DisclosureCase:
    case = _open(w)
    _verify(w, case)
    services.case_propose(actor=w.worker, case=case, decision=_share(w.plain))
    services.guardian_review(actor=w.guardian, case=case, outcome="approved", reasons="Ok")
    _release(w, case, method=ReleaseMethod.SECURE_EMAIL)
    return case


def test_the_disclosure_log_answers_to_whom_what_and_why_for_the_manager_and_ig_lead(
    world: World,
) -> None:
    _released(world)
    for user in (world.manager, world.ig):
        page = _browser(user).get(f"/disclosures/log/{world.client.uuid}/").content.decode()
        assert "Northshire Police" in page  # to whom
        assert "Investigating a burglary" in page  # why
        assert "Without consent: Preventing or detecting serious crime" in page
        assert f"Entry of {(timezone.localdate() - datetime.timedelta(days=3)).isoformat()}" in page
        assert "date, title, body" in page  # what: which fields
        assert "Secure e-mail" in page  # how
        assert "Plain note: the text of the entry." not in page  # what, not the content itself
    assert AuditEvent.objects.filter(action="disclosure.log_viewed").count() == 2
    assert _browser(world.worker).get(f"/disclosures/log/{world.client.uuid}/").status_code == 404


def test_the_ig_lead_sees_a_case_and_what_left_but_not_its_content(world: World) -> None:
    case = _released(world)
    page = _browser(world.ig).get(f"/disclosures/{case.uuid}/").content.decode()
    assert "Northshire Police" in page
    assert "Contact note of" in page
    assert "Plain note: the text of the entry." not in page
    worker_page = _browser(world.worker).get(f"/disclosures/{case.uuid}/").content.decode()
    assert "Plain note: the text of the entry." in worker_page
    event = AuditEvent.objects.filter(action="disclosure.viewed", actor=world.ig).get()
    assert event.detail["content"] is False
    assert event.reason == "ig_duty"
    assert event.detail["entries_shown"] == []
    seen = AuditEvent.objects.filter(action="disclosure.viewed", actor=world.worker).get()
    assert seen.detail["entries_shown"] == [str(world.plain.uuid)]


def test_the_decision_page_records_every_entry_it_lists(world: World) -> None:
    case = _open(world)
    assert _browser(world.worker).get(f"/disclosures/{case.uuid}/decide/").status_code == 200
    event = AuditEvent.objects.filter(action="disclosure.viewed", actor=world.worker).get()
    assert event.detail["page"] == "decide"
    assert sorted(event.detail["entries_shown"]) == sorted(
        str(entry.uuid) for entry in (world.plain, world.special, world.private)
    )


def test_the_guardians_queue_puts_emergencies_first_then_the_longest_waiting(
    world: World,
) -> None:
    routine_old = _open(world, urgency=Urgency.ROUTINE)
    routine_new = _open(world, urgency=Urgency.ROUTINE)
    emergency = _open(world, urgency=Urgency.EMERGENCY, kind=RequestKind.MEDIA)
    for case in (routine_old, routine_new, emergency):
        services.case_propose(actor=world.worker, case=case, decision=_share(world.plain))
    DisclosureCase.objects.filter(pk=routine_old.pk).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=3)
    )
    page = _browser(world.guardian).get("/").content.decode()
    order = [page.index(f"/disclosures/{case.uuid}/review/") for case in (emergency, routine_old)]
    assert order == sorted(order)
    assert page.index(f"/disclosures/{routine_old.uuid}/review/") < page.index(
        f"/disclosures/{routine_new.uuid}/review/"
    )
    shown = AuditEvent.objects.filter(action="disclosure.list_viewed", actor=world.guardian).get()
    assert shown.detail["count"] == 3


def test_the_guardians_queue_costs_the_same_queries_however_long_it_is(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = _browser(world.guardian)

    def queries() -> int:
        browser.get("/disclosures/guardian/")  # warm the per-process caches
        with CaptureQueriesContext(connection) as captured:
            assert browser.get("/disclosures/guardian/").status_code == 200
        return len(captured)

    def escalate(count: int) -> None:
        for _ in range(count):
            case = _open(world)
            services.case_propose(actor=world.worker, case=case, decision=_share(world.plain))

    escalate(2)
    few = queries()
    escalate(5)
    assert queries() == few

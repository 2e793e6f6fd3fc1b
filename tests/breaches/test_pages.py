"""Breach pages through Django's test client: reporting from any page, what each person is shown,
404 for those who may not know a breach exists and 403 for those who may see but not act, bad
input refused with a clear message, and the register's clock order."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client as Browser
from django.utils import timezone

from accounts.models import AuditEvent, User
from breaches import services
from breaches.models import Breach, Status
from tests.breaches import test_workflow
from tests.breaches.test_workflow import World, assessment, report, to_assessed
from tests.conftest import sign_in_fully

pytestmark = pytest.mark.django_db

world = test_workflow.world


def _browser(user: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _form(**changes: str) -> dict[str, Any]:
    data = {
        "near_miss": "no",
        "aware_at": _local(timezone.now() - datetime.timedelta(hours=1)),
        "kind": "confidentiality",
        "category": "wrong_recipient",
        "what_happened": "E-mail with a session summary sent to the wrong Jo.",
        "what_data": "A session summary",
        "data_format": "electronic",
        "protection": "unprotected",
        "affected": "clients",
        "record_types": "Session summary",
        "records_count": "1",
        "sensitivity": "special_category",
        "risks": "Distress to the client",
        "recovery_steps": "Asked the recipient to delete it",
        "stolen": "no",
        "crime_number": "",
        "staff_involved": "Pat Practitioner",
        "ongoing_risk": "",
        "client_references": "",
        "release": "",
    }
    data.update(changes)
    return data


def test_every_page_links_to_the_report_form_for_a_signed_in_person(world: World) -> None:
    browser = _browser(world.outsider)
    for path in ("/", "/records/", "/disclosures/", "/account/security/", "/breaches/"):
        page = browser.get(path).content.decode()
        assert 'data-testid="report-breach-link"' in page, path
        assert 'href="/breaches/report/"' in page, path
    assert (
        'data-testid="report-breach-link"'
        not in Browser().get("/account/sign-in/").content.decode()
    )


def test_reporting_through_the_form_records_it_and_shows_the_reporter_their_summary(
    world: World,
) -> None:
    browser = _browser(world.worker)
    response = browser.post(
        "/breaches/report/", _form(client_references=world.client.reference), follow=True
    )
    breach = Breach.objects.get()
    assert response.redirect_chain == [(f"/breaches/{breach.uuid}/", 302)]
    page = response.content.decode()
    assert f"Breach {breach.reference} reported" in page
    assert "sent to the wrong Jo" in page
    assert 'data-testid="summary-only"' in page
    assert 'data-testid="ico-clock"' not in page  # the reporter sees a summary, not the clock
    assert list(breach.clients.all()) == [world.client]
    assert breach.reported_by == world.worker
    assert breach.aware_at < timezone.now()


def test_an_urgent_report_prompts_the_reporter_to_warn_the_person_at_once(world: World) -> None:
    browser = _browser(world.worker)
    response = browser.post("/breaches/report/", _form(urgent_safety="on"), follow=True)
    page = response.content.decode()
    assert 'data-testid="urgent-prompt"' in page
    assert "make every reasonable effort to warn them now" in page
    assert Breach.objects.get().urgent_safety


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"aware_at": _local(timezone.now() + datetime.timedelta(days=1))},
            "The time the organisation became aware cannot be in the future",
        ),
        ({"stolen": "yes", "category": "lost_or_stolen"}, "enter the crime number"),
        ({"what_happened": ""}, "Say what happened"),
        ({"kind": ""}, "Choose the kind of breach"),
        ({"records_count": "many"}, "Enter the number of records as a whole number"),
        ({"aware_at": "yesterday"}, "Enter a real date and time"),
        ({"client_references": "NOPE-99"}, "No record you may open has the case reference NOPE-99"),
        ({"release": "not-a-release"}, "Choose a disclosure from the list"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    world: World, changes: dict[str, str], message: str
) -> None:
    response = _browser(world.worker).post("/breaches/report/", _form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Breach.objects.exists()


def test_a_record_the_reporter_cannot_open_is_refused_like_one_that_does_not_exist(
    world: World,
) -> None:
    response = _browser(world.worker).post(
        "/breaches/report/", _form(client_references=world.other_client.reference)
    )
    page = response.content.decode()
    assert f"No record you may open has the case reference {world.other_client.reference}" in page
    assert "Elsewhere" not in page


def test_the_reporter_sees_what_they_wrote_but_not_the_investigation(world: World) -> None:
    breach = report(world)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    services.breach_contain(
        actor=world.manager,
        breach=breach,
        contained_at=timezone.now(),
        note="Recipient confirmed deletion by phone",
    )
    mine = _browser(world.worker).get(f"/breaches/{breach.uuid}/").content.decode()
    assert test_workflow.WHAT_HAPPENED.replace("'", "&#x27;") in mine
    assert "Recipient confirmed deletion" not in mine
    assert 'data-testid="history"' not in mine
    officer = _browser(world.manager).get(f"/breaches/{breach.uuid}/").content.decode()
    assert "Recipient confirmed deletion" in officer
    assert 'data-testid="assess-link"' in officer
    assert 'data-testid="assign-link"' not in officer
    seen = AuditEvent.objects.filter(action="breach.viewed").order_by("seq")
    assert [(e.actor, e.reason, e.detail["full"]) for e in seen] == [
        (world.worker, "reporter", False),
        (world.manager, "investigating_officer", True),
    ]


def test_outsiders_get_404_and_those_who_see_but_may_not_act_get_403(world: World) -> None:
    breach = report(world)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    base = f"/breaches/{breach.uuid}/"
    assert _browser(world.outsider).get(base).status_code == 404
    assert _browser(world.colleague).get(f"{base}contain/").status_code == 404
    assert _browser(world.worker).get(f"{base}contain/").status_code == 403
    assert _browser(world.guardian).get(f"{base}contain/").status_code == 403
    assert _browser(world.manager).get(f"{base}assign/").status_code == 403
    assert _browser(world.manager).get(f"{base}contain/").status_code == 200
    assert _browser(world.ig).get(f"{base}assign/").status_code == 200
    denied = AuditEvent.objects.filter(action="breach.viewed", outcome="denied")
    assert denied.count() == 5
    missing = _browser(world.ig).get("/breaches/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404


def test_the_ig_lead_assigns_through_the_page_and_the_officer_is_notified(world: World) -> None:
    breach = report(world)
    browser = _browser(world.ig)
    empty = browser.post(f"/breaches/{breach.uuid}/assign/", {})
    assert "Choose the investigating officer" in empty.content.decode()
    response = browser.post(f"/breaches/{breach.uuid}/assign/", {"officer": world.manager.pk})
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.investigating_officer == world.manager
    assert world.manager.notifications.count() == 1


def test_a_step_out_of_order_sends_back_to_the_breach_with_the_reason(world: World) -> None:
    breach = report(world)
    response = _browser(world.ig).get(f"/breaches/{breach.uuid}/assess/", follow=True)
    assert response.redirect_chain == [(f"/breaches/{breach.uuid}/", 302)]
    assert "is not ready for the risk assessment" in response.content.decode()
    assert "the next step is assigning an investigating officer" in response.content.decode()


def test_a_late_ico_notification_is_refused_without_the_reasons_for_the_delay(
    world: World,
) -> None:
    aware = timezone.now() - datetime.timedelta(hours=100)
    breach = report(world, aware_at=aware)
    to_assessed(world, breach)
    browser = _browser(world.ig)
    data = {"notified_at": _local(aware + datetime.timedelta(hours=90)), "reference": "ICO-77"}
    refused = browser.post(f"/breaches/{breach.uuid}/ico/", data)
    assert refused.status_code == 200
    assert "give the reasons for the delay" in refused.content.decode()
    accepted = browser.post(
        f"/breaches/{breach.uuid}/ico/", {**data, "late_reason": "Waiting for the police"}
    )
    assert accepted.status_code == 302
    breach.refresh_from_db()
    assert breach.status == Status.ICO_NOTIFIED
    assert breach.ico_late


def test_the_assessment_page_needs_both_decisions_and_reasons(world: World) -> None:
    breach = report(world)
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    services.breach_contain(
        actor=world.manager, breach=breach, contained_at=timezone.now(), note="x"
    )
    response = _browser(world.manager).post(
        f"/breaches/{breach.uuid}/assess/",
        {"likelihood": "low", "severity": "low", "notify_ico": "no", "tell_people": "no"},
    )
    page = response.content.decode()
    assert "Give the reasons for the ICO decision" in page
    assert "Give the reasons for the decision about telling the people affected" in page


def test_affected_records_are_named_only_to_those_who_may_see_them(world: World) -> None:
    breach = report(world, client_references=[world.client.reference])
    services.breach_assign(actor=world.ig, breach=breach, officer=world.manager)
    reference = world.client.reference
    officer = _browser(world.manager).get(f"/breaches/{breach.uuid}/").content.decode()
    assert f"Case reference {reference}" in officer
    assert f"/records/{world.client.uuid}/" in officer
    lead = _browser(world.ig).get(f"/breaches/{breach.uuid}/").content.decode()
    assert f"/records/{world.client.uuid}/accesses/" in lead  # the IG lead's way in
    guardian = _browser(world.guardian).get(f"/breaches/{breach.uuid}/").content.decode()
    assert reference not in guardian
    assert "1 other record" in guardian
    for page in (officer, lead, guardian):
        assert "Robin" not in page  # a reference, never a name
    shown = {
        event.actor: (event.detail["clients_shown"], event.detail["other_clients"])
        for event in AuditEvent.objects.filter(action="breach.viewed")
    }
    assert shown == {
        world.manager: ([world.client.pk], 0),
        world.ig: ([world.client.pk], 0),
        world.guardian: ([], 1),
    }


def test_the_register_puts_urgent_cases_first_then_the_soonest_due_and_shows_the_clock(
    world: World,
) -> None:
    now = timezone.now()
    soon = report(world, aware_at=now - datetime.timedelta(hours=70, minutes=30))
    overdue = report(world, aware_at=now - datetime.timedelta(hours=80, minutes=10))
    urgent = report(world, aware_at=now - datetime.timedelta(hours=1), urgent_safety=True)
    not_reportable = report(world, aware_at=now - datetime.timedelta(hours=90))
    to_assessed(world, not_reportable, notify_ico=False)
    page = _browser(world.ig).get("/breaches/").content.decode()
    order = [page.index(f"/breaches/{b.uuid}/") for b in (urgent, overdue, soon, not_reportable)]
    assert order == sorted(order)
    assert "Overdue by 8 hours 10 minutes" in page
    assert "1 hour 29 minutes left" in page
    assert "2 days 22 hours left" in page
    assert "Not reportable to the ICO" in page
    shown = AuditEvent.objects.get(action="breach.register_viewed")
    assert shown.detail["count"] == 4
    # The reporter's own list shows their reports, without the clock.
    mine = _browser(world.worker).get("/breaches/").content.decode()
    assert f"/breaches/{soon.uuid}/" in mine
    assert "Overdue by" not in mine


def test_closed_breaches_leave_the_open_register(world: World) -> None:
    breach = report(world)
    to_assessed(world, breach, notify_ico=False, tell_people=False)
    services.breach_record_lessons(actor=world.ig, breach=breach, lessons="x")
    services.breach_close(actor=world.ig, breach=breach)
    browser = _browser(world.ig)
    assert f"/breaches/{breach.uuid}/" not in browser.get("/breaches/").content.decode()
    assert f"/breaches/{breach.uuid}/" in browser.get("/breaches/?show=all").content.decode()


def test_the_ig_leads_home_counts_open_and_overdue_breaches(world: World) -> None:
    report(world, aware_at=timezone.now() - datetime.timedelta(hours=80))
    report(world, urgent_safety=True)
    page = _browser(world.ig).get("/").content.decode()
    assert "2 open breaches" in page
    assert "1 urgent" in page
    assert "1 past the 72 hours to notify the ICO" in page
    assert "open-breaches" not in _browser(world.worker).get("/").content.decode()
    nav = _browser(world.ig).get("/").content.decode()
    assert 'href="/breaches/">Breaches</a>' in nav


def test_the_whole_workflow_through_the_pages(world: World) -> None:
    breach = report(world)
    lead = _browser(world.ig)
    officer = _browser(world.manager)
    url = f"/breaches/{breach.uuid}/"
    now = _local(timezone.now())
    steps: list[tuple[Browser, str, dict[str, Any]]] = [
        (lead, "assign/", {"officer": world.manager.pk}),
        (officer, "contain/", {"contained_at": now, "note": "Deleted by the recipient"}),
        (officer, "assess/", {**assessment().__dict__, "notify_ico": "yes", "tell_people": "yes"}),
        (lead, "ico/", {"notified_at": now, "reference": "ICO-5"}),
        (lead, "people-told/", {"told_at": now, "how": "Letter"}),
        (lead, "lessons/", {"lessons": "Double-check recipients"}),
        (lead, "close/", {"note": ""}),
    ]
    for browser, step, data in steps:
        response = browser.post(f"{url}{step}", data)
        assert response.status_code == 302, (step, response.content.decode()[:2000])
    breach.refresh_from_db()
    assert breach.status == Status.CLOSED
    history = lead.get(url).content.decode()
    for line in ("Reported", "Recorded containment", "Recorded the ICO notification", "Closed"):
        assert line in history

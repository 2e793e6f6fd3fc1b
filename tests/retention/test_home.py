"""Disposal reviews waiting show on the home pages of the people who decide them."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client as Browser

from records.models import ClientStatus
from retention import services
from retention.models import DisposalReview
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, make_client

pytestmark = pytest.mark.django_db


def _home(user) -> str:
    browser = Browser()
    sign_in_fully(browser, user)
    return browser.get("/").content.decode()


def test_waiting_reviews_are_counted_on_the_home_pages_of_those_who_decide_them() -> None:
    north, south = TeamFactory.create(name="North"), TeamFactory.create(name="South")
    manager = UserFactory.create(username="manager", roles=["manager"])
    manager.teams.set([north])
    lead = UserFactory.create(username="lead", roles=["ig_lead"])
    guardian = UserFactory.create(username="guardian", roles=["caldicott_guardian"])
    reviews = []
    for team in (north, north, south):
        client = make_client(team, restricted=True, restricted_reason="Address withheld")
        client.status, client.closed_on = ClientStatus.CLOSED, datetime.date(2010, 1, 1)
        client.save()
        reviews.append(DisposalReview.objects.create(client=client))

    assert "3 records are waiting for you in the disposal reviews" in _home(lead)
    assert "2 records are waiting for you in the disposal reviews" in _home(manager)
    assert "0 records are waiting" in _home(guardian)

    services.review_approve(actor=lead, review=reviews[2])  # restricted: a second person

    assert "1 record is waiting for you in the disposal reviews" in _home(guardian)
    assert "2 records are waiting for you" in _home(manager)  # South is not theirs

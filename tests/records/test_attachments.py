"""Case documents: size-limited, type-checked by content, encrypted outside the web root, and
served only through an access-checked, audited view."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as Browser

from accounts.models import AuditEvent, Team, User
from records import crypto, services
from records.models import Attachment, Client, Entry
from tests.conftest import sign_in_fully
from tests.factories import TeamFactory, UserFactory, allocate, make_client, make_entry

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\nThe canary letter about Quentin Marblewhistle\n%%EOF\n"


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(name="North")


@pytest.fixture
def pat(team: Team) -> User:
    user = UserFactory.create(username="pat", roles=["practitioner"])
    user.teams.add(team)
    return user


@pytest.fixture
def record(team: Team, pat: User) -> Client:
    client = make_client(team)
    allocate(client, pat)
    return client


@pytest.fixture
def entry(record: Client, pat: User) -> Entry:
    return make_entry(record, pat, title="GP letter")


@pytest.fixture
def browser(pat: User) -> Browser:
    browser = Browser()
    sign_in_fully(browser, pat)
    return browser


def _url(entry: Entry, tail: str = "") -> str:
    return f"/records/{entry.client.uuid}/entries/{entry.uuid}/{tail}"


def _upload(browser: Browser, entry: Entry, name: str, data: bytes) -> str:
    response = browser.post(
        _url(entry, "documents/new/"), {"file": SimpleUploadedFile(name, data)}, follow=True
    )
    return response.content.decode()


def test_a_document_is_stored_encrypted_and_served_through_the_audited_view(
    browser: Browser, entry: Entry, settings
) -> None:
    page = _upload(browser, entry, "GP letter.pdf", PDF)
    assert "Document attached" in page
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf"
    stored = (Path(settings.ATTACHMENT_DIR) / str(attachment.uuid)).read_bytes()
    assert b"Marblewhistle" not in stored
    assert not str(settings.ATTACHMENT_DIR).startswith(str(settings.STATIC_ROOT))
    assert "GP letter.pdf" in browser.get(_url(entry)).content.decode()

    response = browser.get(_url(entry, f"documents/{attachment.uuid}/"))
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    viewed = AuditEvent.objects.get(action="attachment.viewed")
    assert viewed.detail["attachment"] == str(attachment.uuid)
    assert AuditEvent.objects.get(action="attachment.added").detail["size"] == len(PDF)


def test_a_file_is_judged_by_its_content_not_its_name(
    browser: Browser, entry: Entry, settings
) -> None:
    page = _upload(browser, entry, "letter.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" * 20)
    assert "Attach a PDF, Word or OpenDocument text file" in page
    assert not Attachment.objects.exists()
    folder = Path(settings.ATTACHMENT_DIR)
    assert not folder.exists() or not any(folder.iterdir())


def test_plain_text_is_accepted(browser: Browser, entry: Entry) -> None:
    _upload(browser, entry, "notes.txt", "Notes from the meeting at the café".encode())
    assert Attachment.objects.get().content_type == "text/plain"


def test_a_file_over_the_limit_is_refused_with_the_limit(
    browser: Browser, entry: Entry, settings
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    page = _upload(browser, entry, "big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    assert "The file must be 1 MB or smaller" in page
    assert not Attachment.objects.exists()


def test_no_file_is_left_when_the_audit_write_fails(entry: Entry, pat: User, settings) -> None:
    settings.AUDIT_CURRENT_KEY_ID = "missing"
    with pytest.raises(KeyError):
        services.attachment_add(actor=pat, entry=entry, filename="a.pdf", data=PDF)
    assert not Attachment.objects.exists()
    assert not any(Path(settings.ATTACHMENT_DIR).iterdir())


def test_only_those_who_may_read_entries_can_open_documents(
    team: Team, entry: Entry, pat: User
) -> None:
    attachment = services.attachment_add(actor=pat, entry=entry, filename="a.pdf", data=PDF)
    adam = UserFactory.create(username="adam", roles=["admin_staff"])
    adam.teams.add(team)
    outsider = UserFactory.create(username="olly", roles=["practitioner"])
    for user, status in ((adam, 403), (outsider, 404)):
        browser = Browser()
        sign_in_fully(browser, user)
        assert browser.get(_url(entry, f"documents/{attachment.uuid}/")).status_code == status
    assert not AuditEvent.objects.filter(action="attachment.viewed").exists()


def test_destroying_the_clients_key_makes_its_documents_unreadable(entry: Entry, pat: User) -> None:
    attachment = services.attachment_add(actor=pat, entry=entry, filename="a.pdf", data=PDF)
    services.client_destroy_data_key(actor=None, client=entry.client, reason="disposal")
    attachment = Attachment.objects.select_related("entry__client").get(pk=attachment.pk)
    with pytest.raises(crypto.KeyDestroyed):
        services.attachment_read(attachment)


def test_a_document_file_swapped_for_another_does_not_open(
    entry: Entry, pat: User, settings
) -> None:
    first = services.attachment_add(actor=pat, entry=entry, filename="a.pdf", data=PDF)
    second = services.attachment_add(actor=pat, entry=entry, filename="b.pdf", data=PDF)
    folder = Path(settings.ATTACHMENT_DIR)
    (folder / str(second.uuid)).write_bytes((folder / str(first.uuid)).read_bytes())
    second.entry = entry
    with pytest.raises(crypto.DecryptionFailed):
        services.attachment_read(second)

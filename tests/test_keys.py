"""Field-encryption keys live outside the database and rotate without losing anything."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from accounts import crypto
from accounts.models import AuditEvent, TOTPDevice
from tests.factories import UserFactory, enrol

pytestmark = pytest.mark.django_db


def test_rotation_reseals_secrets_under_the_new_key_and_the_old_key_can_go(settings) -> None:
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    device = enrol(UserFactory.create(username="rotating"))
    secret_before, sealed_before = device.bin_key, device.encrypted_key
    new = Fernet.generate_key().decode()

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_field_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new]

    device = TOTPDevice.objects.get(pk=device.pk)
    assert device.encrypted_key != sealed_before
    assert device.bin_key == secret_before  # opened with the new key alone
    assert AuditEvent.objects.filter(action="keys.rotated").exists()


def test_a_value_no_configured_key_opens_is_refused_clearly(settings) -> None:
    token = crypto.encrypt("secret")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(token)

"""Password rules of DESIGN §1 and policy 000 §5.4 beyond Django's own validators."""

from __future__ import annotations

import string
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


def _classes(password: str) -> int:
    groups = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() or c in string.punctuation for c in password),
    )
    return sum(groups)


class CharacterClassValidator:
    """Mixed character classes: three of lower case, upper case, digits and symbols; a long
    passphrase (``passphrase_length`` characters or more) needs only two, so that several
    ordinary words with spaces between them are accepted, as NCSC guidance advises."""

    def __init__(
        self, min_classes: int = 3, passphrase_length: int = 20, passphrase_classes: int = 2
    ):
        self.min_classes = min_classes
        self.passphrase_length = passphrase_length
        self.passphrase_classes = passphrase_classes

    def validate(self, password: str, user: Any = None) -> None:
        needed = (
            self.passphrase_classes if len(password) >= self.passphrase_length else self.min_classes
        )
        if _classes(password) < needed:
            raise ValidationError(self.get_help_text(), code="password_too_uniform")

    def get_help_text(self) -> str:
        return (
            f"Your password must mix at least {self.min_classes} of: lower-case letters, capital "
            f"letters, numbers and symbols; or be a passphrase of {self.passphrase_length} or more "
            f"characters mixing at least {self.passphrase_classes}."
        )


class PasswordHistoryValidator:
    """Refuses the current password and the user's recent ones."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        from accounts.models import PasswordHistory

        count = settings.PASSWORD_HISTORY_COUNT
        if count == 0:
            return
        hashes = [user.password] if user.password else []
        hashes += list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[
                : count - 1
            ]
        )
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                "You have used this password recently. Choose one you have not used before.",
                code="password_reused",
            )

    def get_help_text(self) -> str:
        return (
            f"Your password must differ from your last {settings.PASSWORD_HISTORY_COUNT} passwords."
        )

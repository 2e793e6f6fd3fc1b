"""Why a step on a disclosure case was refused; each message is fit to show the user."""

from __future__ import annotations


class DisclosureError(Exception):
    """A refused step; the message is fit to show the user."""


class NotPermitted(DisclosureError):
    pass


class RuleRefused(DisclosureError):
    """The confidentiality policy forbids this release, whoever approves it."""


class CaseMoved(DisclosureError):
    """Someone else acted on the case first."""

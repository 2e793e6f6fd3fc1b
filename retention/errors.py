"""Why a retention step was refused; each message is fit to show the user."""

from __future__ import annotations


class RetentionError(Exception):
    """A refused step; the message is fit to show the user."""


class NotPermitted(RetentionError):
    pass


class ReviewMoved(RetentionError):
    """Someone else decided the review first."""


class HoldInForce(RetentionError):
    """A legal hold keeps the record: it cannot be destroyed until the hold is lifted."""

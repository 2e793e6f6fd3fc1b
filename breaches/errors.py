"""Why a step on a breach was refused; each message is fit to show the user."""

from __future__ import annotations


class BreachError(Exception):
    """A refused step; the message is fit to show the user."""


class NotPermitted(BreachError):
    """The person may not take this step on this breach."""


class StepOutOfOrder(BreachError):
    """The workflow runs in order: this step is not the breach's next one."""


class LateNotificationNeedsReason(BreachError):
    """The ICO was told more than 72 hours after the organisation became aware, and no reason
    for the delay was given."""


class DecisionNeedsReasons(BreachError):
    """A decision on reporting to the ICO or telling the people affected came without reasons."""

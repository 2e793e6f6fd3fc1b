from __future__ import annotations


class MonitoringError(Exception):
    """An action refused for a reason the person can put right; the message says how."""


class NotPermitted(Exception):
    """The person may not do this."""

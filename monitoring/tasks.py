"""Scheduled access-monitoring jobs (Celery beat; see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from monitoring.evaluate import evaluate
from monitoring.monthly import make_monthly_report


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def evaluate_rules() -> dict[str, Any]:
    """Evaluate the monitoring rules over every whole day not yet evaluated."""
    done = evaluate()
    return {
        "days": [r.day.isoformat() for r in done],
        "findings": sum(r.findings for r in done),
    }


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def monthly_report() -> dict[str, Any]:
    """Make last month's access report for the IG lead and tell them it is ready."""
    report, created = make_monthly_report()
    return {"month": report.month.isoformat(), "made": created}

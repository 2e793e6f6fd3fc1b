"""Audit action codes for the statistics. ``detail`` holds the period and filters asked for,
never a figure."""

from __future__ import annotations

from django.db import models


class ReportAction(models.TextChoices):
    STATISTICS_VIEWED = "reports.statistics_viewed", "Statistics for funders viewed"
    STATISTICS_EXPORTED = "reports.statistics_exported", "Statistics for funders exported"

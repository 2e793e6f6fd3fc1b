"""The statistics pages. Each request is authorised by :mod:`reports.policy`; what is shown or
exported is audited (the period and filters, never a figure) in the same transaction as the
render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from accounts.audit import audit_log
from accounts.models import User
from reports import charts, exports, periods, policy, statistics
from reports.actions import ReportAction
from reports.forms import StatisticsForm
from reports.statistics import Report


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _report(request: HttpRequest) -> tuple[StatisticsForm, Report | None]:
    """The form as asked (the last quarter to have ended, by default) and, if it is valid, the
    published statistics."""
    if not policy.may_see_statistics(_user(request)):
        raise PermissionDenied("The statistics are for the IG lead and the Caldicott Guardian")
    asked = "period" in request.GET
    form = StatisticsForm(
        request.GET if asked else {"period": periods.default_choice(_today())}, today=_today()
    )
    if not form.is_valid():
        return form, None
    report = statistics.build(
        form.chosen_period(),
        service=form.chosen_service(),
        threshold=settings.STATS_SUPPRESS_BELOW,
        today=_today(),
    )
    return form, report


def _today() -> date:
    return timezone.localdate()


def _audit(request: HttpRequest, report: Report, *, action: str, fmt: str) -> None:
    audit_log(
        action=action,
        actor=_user(request),
        object_type="reports.statistics",
        object_id=f"{report.period.start.isoformat()}..{report.period.end.isoformat()}",
        detail={
            "format": fmt,
            "from": report.period.start.isoformat(),
            "to": report.period.end.isoformat(),
            "service": report.service_label,
            "suppress_below": report.threshold,
        },
        request=request,
    )


@require_GET
def statistics_page(request: HttpRequest) -> HttpResponse:
    form, report = _report(request)
    context: dict[str, object] = {"form": form, "report": report}
    if report is None:
        return render(request, "reports/statistics.html", context)
    drawn = charts.charts_for(report.tables)
    sections: dict[str, list[tuple[statistics.Table, charts.Chart | None]]] = {}
    for table in report.tables:
        sections.setdefault(table.section, []).append((table, drawn.get(table.id)))
    context.update(
        {
            "sections": list(sections.items()),
            "note": exports.suppression_note(report),
            "query": request.GET.urlencode() or f"period={form.cleaned_data['period']}",
        }
    )
    response = render(request, "reports/statistics.html", context)
    with transaction.atomic():
        _audit(request, report, action=ReportAction.STATISTICS_VIEWED, fmt="html")
    return response


def _download(
    request: HttpRequest, *, fmt: str, content_type: str, make: Callable[[Report], str | bytes]
) -> HttpResponse:
    _form, report = _report(request)
    if report is None:
        messages.error(request, "Choose a period and service from the lists, then download.")
        return redirect("reports:statistics")
    with transaction.atomic():
        _audit(request, report, action=ReportAction.STATISTICS_EXPORTED, fmt=fmt)
        response = HttpResponse(make(report), content_type=content_type)
    name = f"statistics-{report.period.slug}.{fmt}"
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=name) or "attachment"
    )
    return response


@require_GET
def statistics_csv(request: HttpRequest) -> HttpResponse:
    return _download(
        request, fmt="csv", content_type="text/csv; charset=utf-8", make=exports.as_csv
    )


@require_GET
def statistics_pdf(request: HttpRequest) -> HttpResponse:
    return _download(request, fmt="pdf", content_type="application/pdf", make=exports.as_pdf)

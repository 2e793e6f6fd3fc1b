"""The data team's access-monitoring pages. Views authorise through :mod:`monitoring.policy`,
validate a form, call one service, and render or redirect; every page that names records or
staff writes its audit event with the page."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.audit import audit_log, render_audited
from accounts.models import AuditEvent, User
from monitoring import policy, reports, services
from monitoring.actions import MonitoringAction
from monitoring.errors import MonitoringError, NotPermitted
from monitoring.forms import FindingFilterForm, ReportForm, ReviewForm
from monitoring.labels import action_label, reason_label
from monitoring.models import Finding, FindingStatus, MonthlyReport, RuleKind
from records.models import BreakGlassAccess, Client


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _require_reader(request: HttpRequest) -> User:
    user = _user(request)
    if not policy.may_read(user):
        raise PermissionDenied("Access monitoring is the data team's and the IG lead's")
    return user


@require_http_methods(["GET"])
def findings(request: HttpRequest) -> HttpResponse:
    user = _require_reader(request)
    form = FindingFilterForm(request.GET or {"status": FindingStatus.OPEN})
    queryset = policy.visible_findings(user).select_related("rule", "subject")
    if form.is_valid():
        if form.cleaned_data["status"]:
            queryset = queryset.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["rule"]:
            queryset = queryset.filter(rule=form.cleaned_data["rule"])
    else:
        queryset = queryset.none()
    page = Paginator(queryset.prefetch_related("clients").order_by("-day", "-pk"), 50).get_page(
        request.GET.get("page")
    )
    shown = list(page)
    response = render(
        request,
        "monitoring/findings.html",
        {
            "form": form,
            "page": page,
            "findings": shown,
            "may_monitor": policy.may_monitor(user),
            "query": _query_without_page(request),
        },
    )
    with transaction.atomic():
        audit_log(
            action=MonitoringAction.FINDINGS_LISTED,
            actor=user,
            reason="data_team" if policy.may_monitor(user) else "ig_duty",
            detail={"shown": [f.pk for f in shown], "count": page.paginator.count},
            request=request,
        )
    return response


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_http_methods(["GET", "POST"])
def finding(request: HttpRequest, finding_id: uuid.UUID) -> HttpResponse:
    user = _require_reader(request)
    found = (
        policy.visible_findings(user)
        .select_related("rule", "subject", "reviewed_by", "breach")
        .filter(uuid=finding_id)
        .first()
    )
    if found is None:
        raise Http404("No such finding")
    may_review = policy.may_review(user, found)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied("You cannot review this finding")
        if form.is_valid():
            try:
                services.review_finding(
                    actor=user,
                    finding=found,
                    status=form.cleaned_data["status"],
                    notes=form.cleaned_data["notes"],
                    request=request,
                )
            except MonitoringError as error:
                form.add_error(None, str(error))
            except NotPermitted as error:
                raise PermissionDenied(str(error)) from None
            else:
                found.refresh_from_db()
                if found.breach is not None:
                    messages.success(
                        request,
                        f"Reported to the breach register as {found.breach.reference}, with "
                        "this finding's evidence",
                    )
                else:
                    messages.success(request, "Review saved")
                return redirect("monitoring:finding", finding_id=found.uuid)
    context = _finding_context(found)
    context.update({"form": form, "may_review": may_review})
    return render_audited(
        request,
        "monitoring/finding.html",
        context,
        action=MonitoringAction.FINDING_VIEWED,
        target=found,
        reason="data_team" if policy.may_monitor(user) else "ig_duty",
        detail={"clients": sorted(context["references"]), "events": found.event_count},
    )


def _finding_context(found: Finding) -> dict[str, Any]:
    seqs = found.evidence.get("events", [])
    events = list(
        AuditEvent.objects.filter(
            seq__in=seqs, occurred_at__gte=found.first_at, occurred_at__lte=found.last_at
        )
        .select_related("actor")
        .order_by("seq")
    )
    references = dict(found.clients.values_list("pk", "reference"))
    client_references = sorted(references.values())
    missing = {int(e.object_id) for e in events if e.object_type == "records.client"} - set(
        references
    )
    if missing:
        references.update(Client.objects.filter(pk__in=missing).values_list("pk", "reference"))
    rows = [
        {
            "event": event,
            "action": action_label(event.action),
            "reason": reason_label(event.reason),
            "record": references.get(int(event.object_id), "")
            if event.object_type == "records.client" and event.object_id.isdigit()
            else "",
        }
        for event in events
    ]
    context: dict[str, Any] = {
        "finding": found,
        "rows": rows,
        "references": {str(ref) for ref in references.values()},
        "client_references": client_references,
        "notes": found.review_notes if found.reviewed_at else "",
        "break_glass": None,
    }
    if found.rule.kind == RuleKind.BREAK_GLASS and found.evidence.get("access"):
        access = (
            BreakGlassAccess.objects.select_related("client", "reviewed_by")
            .filter(uuid=found.evidence["access"])
            .first()
        )
        if access is not None and not access.client.is_disposed:
            context["break_glass"] = access
    return context


# --- Reports -------------------------------------------------------------------------------------


def _scope(request: HttpRequest) -> tuple[ReportForm, reports.Scope | None]:
    form = ReportForm(request.GET or ReportForm.last_month())
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, reports.Scope(
        start=data["start"],
        end=data["end"],
        user=data["person"],
        team=data["team"],
        client=data["record"],
    )


@require_http_methods(["GET"])
def report(request: HttpRequest) -> HttpResponse:
    user = _require_reader(request)
    form, scope = _scope(request)
    context: dict[str, Any] = {"form": form, "scope": scope, "query": request.GET.urlencode()}
    if scope is not None:
        found = reports.figures(scope)
        context.update(
            {
                "figures": found,
                "charts": [c for c in found.charts() if c.bars],
                "rows": list(reports.rows(scope, limit=reports.DETAIL_ROWS)),
                "detail_limit": reports.DETAIL_ROWS,
            }
        )
    response = render(request, "monitoring/report.html", context)
    with transaction.atomic():
        audit_log(
            action=MonitoringAction.REPORT_VIEWED,
            actor=user,
            reason="data_team" if policy.may_monitor(user) else "ig_duty",
            detail={**scope.audit_detail(), "format": "page"} if scope else {"invalid": True},
            request=request,
        )
    return response


def _export(request: HttpRequest, kind: str) -> tuple[User, reports.Scope]:
    user = _require_reader(request)
    _, scope = _scope(request)
    if scope is None:
        raise Http404("Choose a valid period on the report page first")
    audit_log(
        action=MonitoringAction.REPORT_EXPORTED,
        actor=user,
        reason="data_team" if policy.may_monitor(user) else "ig_duty",
        detail={**scope.audit_detail(), "format": kind},
        request=request,
    )
    return user, scope


@require_http_methods(["GET"])
def report_csv(request: HttpRequest) -> StreamingHttpResponse:
    with transaction.atomic():
        _, scope = _export(request, "csv")
    response = StreamingHttpResponse(reports.csv_lines(scope), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="access-report-{scope.start}-{scope.end}.csv"'
    )
    return response


@require_http_methods(["GET"])
def report_pdf(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        _, scope = _export(request, "pdf")
        content = reports.as_pdf(
            "Access monitoring report",
            scope.describe(),
            reports.figures(scope),
            list(reports.rows(scope, limit=500)),
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="access-report-{scope.start}-{scope.end}.pdf"'
    )
    return response


@require_http_methods(["GET"])
def monthly_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    return render(
        request, "monitoring/monthly_list.html", {"reports": MonthlyReport.objects.all()[:60]}
    )


def _monthly(request: HttpRequest, report_id: int) -> tuple[User, MonthlyReport]:
    user = _require_reader(request)
    found = MonthlyReport.objects.filter(pk=report_id).first()
    if found is None:
        raise Http404("No such report")
    return user, found


@require_http_methods(["GET"])
def monthly(request: HttpRequest, report_id: int) -> HttpResponse:
    user, made = _monthly(request, report_id)
    found = reports.Figures.from_json(made.figures)
    return render_audited(
        request,
        "monitoring/monthly.html",
        {"report": made, "figures": found, "charts": [c for c in found.charts() if c.bars]},
        action=MonitoringAction.REPORT_VIEWED,
        target=made,
        reason="data_team" if policy.may_monitor(user) else "ig_duty",
        detail={"month": made.month.isoformat(), "format": "page"},
    )


@require_http_methods(["GET"])
def monthly_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    user, made = _monthly(request, report_id)
    with transaction.atomic():
        audit_log(
            action=MonitoringAction.REPORT_EXPORTED,
            actor=user,
            target=made,
            reason="data_team" if policy.may_monitor(user) else "ig_duty",
            detail={"month": made.month.isoformat(), "format": "pdf"},
            request=request,
        )
        content = reports.as_pdf(
            f"Access monitoring report for {made.month:%B %Y}",
            f"The whole organisation, {made.month:%B %Y}",
            reports.Figures.from_json(made.figures),
            [],
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="access-report-{made.month:%Y-%m}.pdf"'
    return response

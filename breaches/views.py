"""Breach register pages. Each view fetches and authorises through :mod:`breaches.selectors`,
calls one service, and writes the audit event of what it shows in the same transaction as the
render."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from accounts.audit import audit_log, render_audited
from accounts.models import User
from breaches import ig_report, policy, selectors, services
from breaches.actions import BreachAction
from breaches.errors import BreachError, NotPermitted
from breaches.forms import (
    AssessForm,
    AssignForm,
    BreachReportForm,
    CloseForm,
    ContainForm,
    LessonsForm,
    NotifyIcoForm,
    PeriodForm,
    TellPeopleForm,
    default_period,
)
from breaches.models import Breach, Status
from breaches.selectors import BreachNeed
from breaches.services import URGENT_POLICE, URGENT_PROMPT, Step


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _render_breach_page(
    request: HttpRequest,
    template: str,
    context: dict[str, object],
    *,
    breach: Breach,
    access: policy.BreachAccess,
    page: str,
) -> HttpResponse:
    """Render a page about a breach with its audit event (what it showed: the summary or the
    whole breach, and which affected records by id) in the same transaction: if the event cannot
    be written, the page is not served."""
    user = _user(request)
    affected = selectors.affected_records(user, breach)
    return render_audited(
        request,
        template,
        {
            "breach": breach,
            "access": access,
            "affected": affected,
            "cause": selectors.cause_shown(user, breach),
            "clock": selectors.clock(breach),
            "urgent_prompt": URGENT_PROMPT,
            "urgent_police": URGENT_POLICE,
            **context,
        },
        action=BreachAction.VIEWED,
        target=breach,
        reason=access.reason,
        detail={
            "breach": breach.reference,
            "page": page,
            "full": access.full,
            "clients_shown": [row.client.pk for row in affected.shown],
            "other_clients": affected.others,
        },
    )


# --- The register ------------------------------------------------------------------------------


@require_http_methods(["GET"])
def register(request: HttpRequest) -> HttpResponse:
    """The IG lead's (and the Guardian's) register of every breach; to anyone else, the breaches
    they reported or investigate."""
    user = _user(request)
    show = "all" if request.GET.get("show") == "all" else "open"
    queryset = policy.visible_breaches(user)
    if show == "open":
        queryset = queryset.exclude(status=Status.CLOSED)
    breaches = selectors.register(queryset)
    rows = selectors.register_rows(user, breaches)
    response = render(
        request,
        "breaches/register.html",
        {"rows": rows, "show": show, "overseer": policy.may_see_register(user)},
    )
    with transaction.atomic():
        selectors.audit_shown(request, name=show, breaches=breaches)
    return response


# --- Reporting ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Report a breach or a near miss: anyone signed in, from the link on every page."""
    user = _user(request)
    if not policy.may_report(user):
        raise PermissionDenied("You cannot report a breach")
    form = BreachReportForm(
        request.POST if request.method == "POST" else None,
        releases=policy.linkable_releases(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            breach = services.breach_report(actor=user, details=form.details(), request=request)
        except BreachError as error:
            form.add_error(None, str(error))
        else:
            if breach.urgent_safety:
                messages.warning(
                    request, f"Breach {breach.reference} reported. {URGENT_PROMPT} {URGENT_POLICE}"
                )
            else:
                messages.success(
                    request,
                    f"Breach {breach.reference} reported. The IG lead has been told, and will "
                    "assign someone to investigate it.",
                )
            return redirect("breaches:breach", breach_id=breach.uuid)
    return render(
        request,
        "breaches/report.html",
        {"form": form},
    )


# --- A breach ----------------------------------------------------------------------------------


@require_http_methods(["GET"])
def breach_detail(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    breach, access = selectors.get_breach_for_user(request, breach_id)
    next_step = services.next_step(breach)
    return _render_breach_page(
        request,
        "breaches/breach.html",
        {
            "next_step": next_step,
            "steps": {
                "assign": access.assign,
                "contain": access.investigate and next_step == Step.CONTAIN,
                "assess": access.investigate and next_step == Step.ASSESS,
                "notify_ico": access.manage and next_step == Step.NOTIFY_ICO,
                "tell_people": access.manage and next_step == Step.TELL_PEOPLE,
                "lessons": access.manage and next_step == Step.LESSONS,
                "close": access.manage and next_step == Step.CLOSE,
            },
            "history": selectors.history(breach) if access.full else [],
        },
        breach=breach,
        access=access,
        page="breach",
    )


def _step_page(
    request: HttpRequest,
    breach_id: uuid.UUID,
    *,
    need: BreachNeed,
    step: str,
    form: Callable[[dict[str, Any] | None, Breach], forms.Form],
    template: str,
    act: Callable[[Breach, dict[str, Any]], None],
    done: str,
) -> HttpResponse:
    """One step of the workflow: fetch and authorise, refuse a step out of order with the reason,
    take it through its service, go back to the breach."""
    breach, access = selectors.get_breach_for_user(request, breach_id, need=need)
    if not services.step_available(breach, step):
        due = services.next_step(breach)
        messages.error(
            request,
            f"Breach {breach.reference} is closed."
            if due is None
            else f"Breach {breach.reference} is not ready for "
            f"{services.STEP_NAMES[step]}: the next step is {services.STEP_NAMES[due]}.",
        )
        return redirect("breaches:breach", breach_id=breach.uuid)
    bound = form(request.POST if request.method == "POST" else None, breach)
    if request.method == "POST" and bound.is_valid():
        try:
            act(breach, bound.cleaned_data)
        except NotPermitted as error:
            raise PermissionDenied(str(error)) from error
        except BreachError as error:
            bound.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect("breaches:breach", breach_id=breach.uuid)
    return _render_breach_page(
        request, template, {"form": bound}, breach=breach, access=access, page=step
    )


@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    return _step_page(
        request,
        breach_id,
        need="assign",
        step=Step.ASSIGN,
        form=lambda data, breach: AssignForm(
            data,
            candidates=policy.officer_candidates(),
            initial={"officer": breach.investigating_officer_id},
        ),
        template="breaches/assign.html",
        act=lambda breach, data: services.breach_assign(
            actor=_user(request), breach=breach, officer=data["officer"], request=request
        ),
        done="Investigating officer assigned. They have been notified.",
    )


@require_http_methods(["GET", "POST"])
def contain(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    return _step_page(
        request,
        breach_id,
        need="investigate",
        step=Step.CONTAIN,
        form=lambda data, breach: ContainForm(data),
        template="breaches/contain.html",
        act=lambda breach, data: services.breach_contain(
            actor=_user(request),
            breach=breach,
            contained_at=data["contained_at"],
            note=data["note"],
            request=request,
        ),
        done="Containment recorded.",
    )


@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    return _step_page(
        request,
        breach_id,
        need="investigate",
        step=Step.ASSESS,
        form=lambda data, breach: AssessForm(data),
        template="breaches/assess.html",
        act=lambda breach, data: services.breach_assess(
            actor=_user(request),
            breach=breach,
            assessment=services.Assessment(**data),
            request=request,
        ),
        done="Risk assessment recorded.",
    )


@require_http_methods(["GET", "POST"])
def notify_ico(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    return _step_page(
        request,
        breach_id,
        need="manage",
        step=Step.NOTIFY_ICO,
        form=lambda data, breach: NotifyIcoForm(data),
        template="breaches/notify_ico.html",
        act=lambda breach, data: services.breach_notify_ico(
            actor=_user(request),
            breach=breach,
            notified_at=data["notified_at"],
            reference=data["reference"],
            late_reason=data["late_reason"],
            request=request,
        ),
        done="ICO notification recorded.",
    )


@require_http_methods(["GET", "POST"])
def tell_people(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    return _step_page(
        request,
        breach_id,
        need="manage",
        step=Step.TELL_PEOPLE,
        form=lambda data, breach: TellPeopleForm(data),
        template="breaches/tell_people.html",
        act=lambda breach, data: services.breach_tell_people(
            actor=_user(request),
            breach=breach,
            told_at=data["told_at"],
            how=data["how"],
            request=request,
        ),
        done="Recorded that the people affected were told.",
    )


@require_http_methods(["GET", "POST"])
def lessons(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    return _step_page(
        request,
        breach_id,
        need="manage",
        step=Step.LESSONS,
        form=lambda data, breach: LessonsForm(data),
        template="breaches/lessons.html",
        act=lambda breach, data: services.breach_record_lessons(
            actor=_user(request), breach=breach, lessons=data["lessons"], request=request
        ),
        done="Lessons learned recorded. The breach is ready to close.",
    )


@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, breach_id: uuid.UUID) -> HttpResponse:
    return _step_page(
        request,
        breach_id,
        need="manage",
        step=Step.CLOSE,
        form=lambda data, breach: CloseForm(data),
        template="breaches/close.html",
        act=lambda breach, data: services.breach_close(
            actor=_user(request), breach=breach, note=data["note"], request=request
        ),
        done="Breach closed.",
    )


# --- The IG group's report -----------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, ig_report.Figures | None]:
    user = _user(request)
    if not policy.may_see_ig_report(user):
        raise PermissionDenied("The breach report is for the IG lead and the Caldicott Guardian")
    start, end = default_period()
    given = "date_from" in request.GET or "date_to" in request.GET
    form = PeriodForm(request.GET if given else {"date_from": start, "date_to": end})
    if not form.is_valid():
        return form, None
    return form, ig_report.figures(form.cleaned_data["date_from"], form.cleaned_data["date_to"])


def _audit_report(
    request: HttpRequest, figures: ig_report.Figures, *, action: str, fmt: str
) -> None:
    audit_log(
        action=action,
        actor=_user(request),
        object_type="breaches.ig_report",
        object_id=f"{figures.date_from.isoformat()}..{figures.date_to.isoformat()}",
        detail={"format": fmt, "breaches": figures.total},
        request=request,
    )


@require_http_methods(["GET"])
def report_for_ig(request: HttpRequest) -> HttpResponse:
    form, figures = _period(request)
    context: dict[str, object] = {"form": form, "figures": figures}
    if figures is None:
        return render(request, "breaches/ig_report.html", context)
    context.update(
        {
            "rows": ig_report.summary_rows(figures),
            "charts": ig_report.charts(figures),
            "query": request.GET.urlencode()
            or f"date_from={figures.date_from.isoformat()}&date_to={figures.date_to.isoformat()}",
        }
    )
    response = render(request, "breaches/ig_report.html", context)
    with transaction.atomic():
        _audit_report(request, figures, action=BreachAction.IG_REPORT_VIEWED, fmt="html")
    return response


def _download(
    request: HttpRequest, *, fmt: str, content_type: str, make: Callable[[ig_report.Figures], Any]
) -> HttpResponse:
    _form, figures = _period(request)
    if figures is None:
        messages.error(request, "Choose a period with real dates, the start before the end.")
        return redirect("breaches:ig_report")
    with transaction.atomic():
        _audit_report(request, figures, action=BreachAction.IG_REPORT_EXPORTED, fmt=fmt)
        response = HttpResponse(make(figures), content_type=content_type)
    name = f"breach-report-{figures.date_from.isoformat()}-to-{figures.date_to.isoformat()}.{fmt}"
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=name) or "attachment"
    )
    return response


@require_http_methods(["GET"])
def report_for_ig_csv(request: HttpRequest) -> HttpResponse:
    return _download(
        request, fmt="csv", content_type="text/csv; charset=utf-8", make=ig_report.as_csv
    )


@require_http_methods(["GET"])
def report_for_ig_pdf(request: HttpRequest) -> HttpResponse:
    return _download(request, fmt="pdf", content_type="application/pdf", make=ig_report.as_pdf)

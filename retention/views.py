"""The IG lead's retention pages and the disposal review queue. Views authenticate, fetch and
authorise through :mod:`retention.policy`, validate a form, call one service, and render or
redirect. Pages about one record write their audit event with the page (render_audited)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Literal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.audit import audit_log, render_audited
from accounts.models import User
from records.models import Attachment, Client, Entry
from retention import policy, selectors, services
from retention.actions import RetentionAction
from retention.errors import RetentionError
from retention.forms import (
    ApproveForm,
    AssignClassForm,
    FindRecordForm,
    HoldForm,
    HoldLiftForm,
    HoldReviewForm,
    KeepForm,
    PaperForm,
)
from retention.models import DisposalCertificate, DisposalReview, LegalHold, SweepRun
from retention.tasks import sweep

ReviewNeed = Literal["see", "decide", "approve", "confirm"]
# What a decision did: the message to show, and where to go if not back to the review.
Done = str | tuple[str, str]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _require_lead(request: HttpRequest) -> User:
    user = _user(request)
    if not policy.may_manage_retention(user):
        raise PermissionDenied("Retention and disposal are the IG lead's")
    return user


# --- Overview and the sweep ----------------------------------------------------------------------


@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    _require_lead(request)
    runs = list(selectors.latest_runs())
    queue = DisposalReview.objects.aggregate(
        waiting=Count("pk", filter=Q(status=DisposalReview.Status.WAITING)),
        confirming=Count("pk", filter=Q(status=DisposalReview.Status.CONFIRMING)),
    )
    return render(
        request,
        "retention/overview.html",
        {
            "runs": runs,
            "current": next((r for r in runs if r.job == SweepRun.Job.SWEEP), None),
            "queue": queue,
            "holds_in_force": LegalHold.objects.filter(lifted_at__isnull=True).count(),
            "holds_due": selectors.holds_due_for_review().count(),
            "certificates": DisposalCertificate.objects.count(),
            "find_form": FindRecordForm(),
        },
    )


@require_http_methods(["POST"])
def sweep_now(request: HttpRequest) -> HttpResponse:
    user = _require_lead(request)
    with transaction.atomic():
        audit_log(
            action=RetentionAction.SWEEP_REQUESTED,
            actor=user,
            object_type="retention.sweeprun",
            reason="Started by hand from the retention page",
            request=request,
        )
        # robust: a broker that cannot be reached is logged, not a server error after the
        # request has committed; the nightly run still comes.
        transaction.on_commit(lambda: sweep.delay(requested_by=user.pk), robust=True)
    messages.success(
        request,
        "The sweep has been queued. Its progress shows below once a worker picks it up.",
    )
    return redirect("retention:overview")


@require_http_methods(["POST"])
def find_record(request: HttpRequest) -> HttpResponse:
    _require_lead(request)
    form = FindRecordForm(request.POST)
    if form.is_valid():
        client = Client.objects.filter(
            reference__iexact=form.cleaned_data["reference"].strip()
        ).first()
        if client is not None:
            return redirect("retention:record", client_id=client.uuid)
        form.add_error("reference", "No record has that case reference")
    messages.error(request, " ".join(str(e) for e in form.errors["reference"]))
    return redirect("retention:overview")


# --- One record's retention ----------------------------------------------------------------------


def _record_for_lead(request: HttpRequest, client_id: uuid.UUID) -> tuple[User, Client]:
    user = _require_lead(request)
    client = Client.objects.select_related("team").filter(uuid=client_id).first()
    if client is None or not policy.may_see_record_retention(user, client):
        raise Http404("No such record")
    return user, client


@require_http_methods(["GET"])
def record(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    _, client = _record_for_lead(request, client_id)
    retention_class = selectors.class_of(client)
    holds = list(client.legal_holds.select_related("placed_by", "lifted_by"))
    disposed = client.is_disposed
    return render_audited(
        request,
        "retention/record.html",
        {
            "client": client,
            "retention_class": retention_class,
            "due_on": None if disposed else selectors.due_date(client, retention_class),
            "holds": holds,
            "reviews": list(selectors.review_history(client)),
            "certificate": DisposalCertificate.objects.filter(client=client).first(),
            "entries": Entry.objects.filter(client=client).count(),
            "disposed": disposed,
            "today": timezone.localdate(),
        },
        action=RetentionAction.RECORD_VIEWED,
        target=client,
        reason="Information governance: retention and disposal",
        detail={"holds_shown": [str(h.uuid) for h in holds]},
    )


@require_http_methods(["GET", "POST"])
def assign_class(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    user, client = _record_for_lead(request, client_id)
    if client.is_disposed:
        raise PermissionDenied("This record has been destroyed")
    form = AssignClassForm(
        request.POST if request.method == "POST" else None,
        initial={"retention_class": selectors.class_of(client)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_class_assign(
                actor=user,
                client=client,
                retention_class=form.cleaned_data["retention_class"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except RetentionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Retention class saved.")
            return redirect("retention:record", client_id=client.uuid)
    return render(request, "retention/assign_class.html", {"client": client, "form": form})


@require_http_methods(["GET", "POST"])
def hold_new(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    user, client = _record_for_lead(request, client_id)
    if not policy.may_place_hold(user, client):
        raise PermissionDenied("This record has been destroyed")
    form = HoldForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hold_place(
                actor=user,
                client=client,
                reason=form.cleaned_data["reason"],
                detail=form.cleaned_data["detail"],
                review_on=form.cleaned_data["review_on"],
                request=request,
            )
        except RetentionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Legal hold placed. The record will not be destroyed.")
            return redirect("retention:record", client_id=client.uuid)
    return render(
        request,
        "retention/hold_form.html",
        {"client": client, "form": form, "back": "retention:record"},
    )


@require_http_methods(["GET", "POST"])
def hold(request: HttpRequest, hold_id: uuid.UUID) -> HttpResponse:
    user = _require_lead(request)
    found = (
        LegalHold.objects.select_related("client__team", "placed_by").filter(uuid=hold_id).first()
    )
    if found is None or not policy.may_see_record_retention(user, found.client):
        raise Http404("No such hold")
    if not found.in_force:
        raise PermissionDenied("This hold has been lifted")
    action = request.POST.get("action") if request.method == "POST" else None
    review_form = HoldReviewForm(request.POST if action == "review" else None, prefix="review")
    lift_form = HoldLiftForm(request.POST if action == "lift" else None, prefix="lift")
    if action == "review" and review_form.is_valid():
        try:
            services.hold_review(
                actor=user,
                hold=found,
                review_on=review_form.cleaned_data["review_on"],
                request=request,
            )
        except RetentionError as error:
            review_form.add_error(None, str(error))
        else:
            messages.success(request, "Hold kept in force until its new review date.")
            return redirect("retention:record", client_id=found.client.uuid)
    if action == "lift" and lift_form.is_valid():
        try:
            services.hold_lift(
                actor=user, hold=found, reason=lift_form.cleaned_data["reason"], request=request
            )
        except RetentionError as error:
            lift_form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "Hold lifted. If the record is past its date, the next sweep flags it for review.",
            )
            return redirect("retention:record", client_id=found.client.uuid)
    return render_audited(
        request,
        "retention/hold.html",
        {"hold": found, "review_form": review_form, "lift_form": lift_form},
        action=RetentionAction.RECORD_VIEWED,
        target=found.client,
        reason="Information governance: retention and disposal",
        detail={"holds_shown": [str(found.uuid)]},
    )


# --- Disposal reviews ----------------------------------------------------------------------------


def get_review_for_user(
    request: HttpRequest, review_id: uuid.UUID, *, need: ReviewNeed = "see"
) -> tuple[User, DisposalReview, policy.ReviewAccess]:
    """The review, if the user may see it (404 otherwise) and may do ``need`` with it (403)."""
    user = _user(request)
    review = (
        DisposalReview.objects.select_related("client__team", "decided_by", "confirmed_by")
        .filter(uuid=review_id)
        .first()
    )
    access = policy.review_access(user, review) if review else policy.NO_REVIEW_ACCESS
    if review is None or not access.see:
        # A finished review is still shown to the IG lead, for the record.
        if review is not None and policy.may_see_record_retention(user, review.client):
            return user, review, access
        raise Http404("No such review")
    if not getattr(access, need):
        raise PermissionDenied("You cannot do this with this review")
    return user, review, access


@require_http_methods(["GET"])
def review_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.may_see_review_queue(user):
        raise PermissionDenied("Disposal reviews are for the IG lead and service managers")
    reviews = list(
        policy.review_queue(user)
        .select_related("client__team", "decided_by")
        .order_by("status", "flagged_at")
    )
    # The queue names records by reference: which ones were shown is part of the trail, as for
    # every list of records.
    response = render(
        request,
        "retention/reviews.html",
        {"reviews": reviews, "is_lead": policy.may_manage_retention(user)},
    )
    with transaction.atomic():
        audit_log(
            action=RetentionAction.QUEUE_VIEWED,
            actor=user,
            object_type="retention.disposalreview",
            object_id="queue",
            detail={"shown": [str(r.uuid) for r in reviews], "count": len(reviews)},
            request=request,
        )
    return response


@require_http_methods(["GET"])
def review(request: HttpRequest, review_id: uuid.UUID) -> HttpResponse:
    user, found, access = get_review_for_user(request, review_id)
    client = found.client
    retention_class = selectors.class_of(client)
    disposed = client.is_disposed
    return render_audited(
        request,
        "retention/review.html",
        {
            "review": found,
            "access": access,
            "client": client,
            "retention_class": retention_class,
            "due_on": None if disposed else selectors.due_date(client, retention_class),
            "entries": Entry.objects.filter(client=client).count(),
            "documents": Attachment.objects.filter(entry__client=client).count(),
            "second_person": not disposed and policy.needs_second_person(client),
            "holds": list(policy.live_holds(client)),
            "certificate": DisposalCertificate.objects.filter(client=client).first(),
            "is_lead": policy.may_manage_retention(user),
        },
        action=RetentionAction.REVIEW_VIEWED,
        target=client,
        reason="Disposal review",
        detail={"review": str(found.uuid)},
    )


def _decide(
    request: HttpRequest,
    review_id: uuid.UUID,
    *,
    need: ReviewNeed,
    form_class: type[KeepForm] | type[HoldForm] | type[ApproveForm],
    template: str,
    act: Callable[[User, DisposalReview, dict[str, object]], Done],
) -> HttpResponse:
    user, found, _ = get_review_for_user(request, review_id, need=need)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            done = act(user, found, form.cleaned_data)
        except RetentionError as error:
            form.add_error(None, str(error))
        else:
            message, then = done if isinstance(done, tuple) else (done, None)
            messages.success(request, message)
            return redirect(then or reverse("retention:review", args=[found.uuid]))
    return render(
        request,
        template,
        {
            "review": found,
            "client": found.client,
            "form": form,
            "second_person": policy.needs_second_person(found.client),
        },
    )


@require_http_methods(["GET", "POST"])
def review_keep(request: HttpRequest, review_id: uuid.UUID) -> HttpResponse:
    def act(user: User, found: DisposalReview, data: dict[str, object]) -> str:
        services.review_keep(
            actor=user,
            review=found,
            reason=str(data["reason"]),
            next_review_on=data["next_review_on"],  # type: ignore[arg-type]
            request=request,
        )
        return "Record kept. It will be reviewed again on the date you gave."

    return _decide(
        request,
        review_id,
        need="decide",
        form_class=KeepForm,
        template="retention/review_keep.html",
        act=act,
    )


@require_http_methods(["GET", "POST"])
def review_hold(request: HttpRequest, review_id: uuid.UUID) -> HttpResponse:
    def act(user: User, found: DisposalReview, data: dict[str, object]) -> str:
        services.review_hold(
            actor=user,
            review=found,
            reason=str(data["reason"]),
            detail=str(data["detail"]),
            review_on=data["review_on"],  # type: ignore[arg-type]
            request=request,
        )
        return "Legal hold placed. The record will not be destroyed."

    return _decide(
        request,
        review_id,
        need="decide",
        form_class=HoldForm,
        template="retention/hold_form.html",
        act=act,
    )


@require_http_methods(["GET", "POST"])
def review_approve(request: HttpRequest, review_id: uuid.UUID) -> HttpResponse:
    def act(user: User, found: DisposalReview, data: dict[str, object]) -> str:
        certificate = services.review_approve(actor=user, review=found, request=request)
        if certificate is None:
            return "Destruction approved. A second person must now confirm it."
        return f"Record destroyed. Disposal certificate {certificate.reference} is kept."

    return _decide(
        request,
        review_id,
        need="approve",
        form_class=ApproveForm,
        template="retention/review_destroy.html",
        act=act,
    )


@require_http_methods(["GET", "POST"])
def review_confirm(request: HttpRequest, review_id: uuid.UUID) -> HttpResponse:
    def act(user: User, found: DisposalReview, data: dict[str, object]) -> Done:
        certificate = services.review_confirm(actor=user, review=found, request=request)
        # To the certificate: the review of a destroyed record is the IG lead's and the team's
        # to see, and a Caldicott Guardian who confirmed it would be sent to a page not found.
        return (
            f"Record destroyed. Disposal certificate {certificate.reference} is kept.",
            reverse("retention:certificate", args=[certificate.pk]),
        )

    return _decide(
        request,
        review_id,
        need="confirm",
        form_class=ApproveForm,
        template="retention/review_destroy.html",
        act=act,
    )


# --- Certificates and paper records --------------------------------------------------------------


@require_http_methods(["GET"])
def certificate_list(request: HttpRequest) -> HttpResponse:
    if not policy.may_see_certificates(_user(request)):
        raise PermissionDenied("Disposal certificates are for the IG lead and Caldicott Guardian")
    return render(
        request,
        "retention/certificates.html",
        {
            "certificates": list(selectors.certificates()),
            "may_record": policy.may_manage_retention(_user(request)),
        },
    )


@require_http_methods(["GET"])
def certificate(request: HttpRequest, certificate_id: int) -> HttpResponse:
    if not policy.may_see_certificates(_user(request)):
        raise PermissionDenied("Disposal certificates are for the IG lead and Caldicott Guardian")
    found = get_object_or_404(selectors.certificates(), pk=certificate_id)
    return render(request, "retention/certificate.html", {"certificate": found})


@require_http_methods(["GET", "POST"])
def paper_new(request: HttpRequest) -> HttpResponse:
    user = _require_lead(request)
    form = PaperForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            found = services.paper_destruction_record(
                actor=user,
                contractor=form.cleaned_data["contractor"],
                contractor_certificate=form.cleaned_data["contractor_certificate"],
                destroyed_on=form.cleaned_data["destroyed_on"],
                description=form.cleaned_data["description"],
                request=request,
            )
        except RetentionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Recorded as disposal certificate {found.reference}.")
            return redirect("retention:certificate", certificate_id=found.pk)
    return render(request, "retention/paper_form.html", {"form": form})

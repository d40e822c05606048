"""The web pages: the same services and policy as the API, with sessions and CSRF protection."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from rtio.capture import crf, services
from rtio.capture import eligibility as elig
from rtio.capture.api import audit_rows, cut_zip, randomization_status
from rtio.capture.audit import Actor, append, write_transaction
from rtio.capture.models import Profile, Query
from rtio.capture.policy import (
    CaptureError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    allowed,
    get_subject,
    profile_of,
    require,
    visible_subjects,
)
from rtio.capture.serialize import casebook_json, subject_json
from rtio.eligibility import trial_profile

LOCKOUT = 5
"""Failed logins in a row that disable an account (21 CFR 11.300(d))."""

View = Callable[..., HttpResponse]


def page(view: View) -> View:
    """Login required (302 to the login page), a role required (403), errors as pages."""

    @wraps(view)
    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        if profile_of(request.user) is None:
            return _error(request, ForbiddenError("your account has no role in this study"))
        try:
            return view(request, *args, **kwargs)
        except CaptureError as exc:
            return _error(request, exc)

    return inner


def _error(request: HttpRequest, exc: CaptureError) -> HttpResponse:
    return render(request, "capture/error.html", {"error": exc}, status=exc.status)


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    profile = profile_of(request.user)
    return {"role": profile.role if profile else "", "can": _can(request.user), **extra}


def _can(user: Any) -> dict[str, bool]:
    from rtio.capture.policy import PERMISSIONS

    return {action: allowed(user, action) for action in PERMISSIONS}


def _actor(request: HttpRequest, username: str) -> Actor:
    return Actor(username, "", "web")


def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in; five failures in a row disable the account, and every attempt is audited."""
    error = ""
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        password = request.POST.get("password", "")
        user = authenticate(request, username=username, password=password)
        known = get_user_model().objects.filter(username=username).first()
        with write_transaction():
            if user is not None and profile_of(user) is not None:
                Profile.objects.filter(user=user).update(failed_logins=0)
                append(_actor(request, username), "login", table="users", record_id=username)
            else:
                append(_actor(request, username), "login_failed", table="users", record_id=username)
                if known is not None:
                    profile = Profile.objects.filter(user=known).first()
                    if profile is not None:
                        profile.failed_logins += 1
                        profile.save(update_fields=["failed_logins"])
                        if profile.failed_logins >= LOCKOUT and known.is_active:
                            known.is_active = False
                            known.save(update_fields=["is_active"])
                            append(
                                _actor(request, "system"),
                                "account_disabled",
                                table="users",
                                record_id=username,
                                reason=f"{LOCKOUT} failed logins",
                            )
                user = None
        if user is not None:
            login(request, user)
            target = request.POST.get("next") or "/"
            safe = url_has_allowed_host_and_scheme(target, allowed_hosts=None)
            return HttpResponseRedirect(target if safe else "/")
        error = "Unknown user name or wrong password."
    return render(
        request, "capture/login.html", {"error": error, "next": request.GET.get("next", "")}
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        with write_transaction():
            append(
                _actor(request, request.user.get_username()),
                "logout",
                table="users",
                record_id=request.user.get_username(),
            )
    logout(request)
    return HttpResponseRedirect(reverse("login"))


@page
def home(request: HttpRequest) -> HttpResponse:
    require(request.user, "view")
    subjects = list(visible_subjects(request.user))
    config = services.study_config()
    profile = None
    if subjects:
        from rtio.capture.export import study_tables

        tables = study_tables(subjects, masked=True)
        if "screening" in tables:
            profile = trial_profile(
                tables["screening"],
                tables["subjects"],
                tables.get("radiotherapy"),
                tables.get("events"),
            )
    return render(
        request,
        "capture/home.html",
        _context(
            request,
            subjects=[subject_json(s, request.user) for s in subjects],
            protocol=services.protocol_of(config),
            randomization=randomization_status(request.user),
            profile=profile,
            sites=_sites(request.user),
        ),
    )


def _sites(user: Any) -> list[str]:
    from rtio.capture.models import Site

    profile = profile_of(user)
    if profile is None:
        return []
    if profile.all_sites:
        return list(Site.objects.order_by("code").values_list("code", flat=True))
    return sorted(s.code for s in profile.sites.all())


def _posted(request: HttpRequest, names: list[str]) -> dict[str, Any]:
    return {n: request.POST.get(n, "") for n in names if n in request.POST}


@page
def subject_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "enter")
    columns = crf.subject_columns()
    sites = _sites(request.user)
    form = crf.build_form("subjects", columns)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = _posted(request, ["subject_id", "site", *[c.name for c in columns]])
        try:
            subject, warnings = services.create_subject(request.user, "web", values)
        except InvalidError as exc:
            errors = exc.fields or {"": [exc.message]}
            form = crf.build_form("subjects", columns, values)
        else:
            for w in warnings:
                messages.warning(request, f"Saved with a warning (a query was opened): {w}")
            messages.success(request, f"Subject {subject.subject_id} created.")
            return HttpResponseRedirect(reverse("subject", args=[subject.subject_id]))
    return render(
        request,
        "capture/subject_new.html",
        _context(request, form=form, sites=sites, errors=errors, values=values),
    )


@page
def subject_page(request: HttpRequest, subject_id: str) -> HttpResponse:
    require(request.user, "view")
    subject = get_subject(request.user, subject_id)
    book = casebook_json(subject, request.user)
    config = services.study_config()
    protocol = services.protocol_of(config)
    by_table: dict[str, list[dict[str, Any]]] = {t: [] for t in crf.RECORD_TITLES}
    for r in book["records"]:
        by_table[r["table"]].append(r)
    sections = [
        {
            "table": t,
            "title": title,
            "columns": [c.name for c in crf.record_columns(t)],
            "rows": by_table[t],
        }
        for t, title in crf.RECORD_TITLES.items()
    ]
    stages = [s for s in elig.STAGES if elig.criteria_for(protocol, s)]
    subject_forms = [
        {
            "name": f.name,
            "title": f.title,
            "values": [(c.name, book["subject"].get(c.name)) for c in f.columns],
        }
        for f in crf.subject_forms().values()
    ]
    return render(
        request,
        "capture/subject.html",
        _context(
            request,
            book=book,
            s=book["subject"],
            sections=sections,
            stages=stages,
            subject_forms=subject_forms,
            randomized_study=len(protocol.arms) > 1,
            live=config.live_at is not None,
        ),
    )


@page
def subject_form(request: HttpRequest, subject_id: str, form_name: str) -> HttpResponse:
    require(request.user, "enter")
    subject = get_subject(request.user, subject_id)
    spec = crf.subject_forms().get(form_name)
    if spec is None:
        raise InvalidError(f"no form {form_name!r}")
    errors: dict[str, list[str]] = {}
    form = crf.build_form("subjects", spec.columns, initial=crf.as_form_data(subject.data))
    if request.method == "POST":
        values = _posted(request, [c.name for c in spec.columns])
        try:
            _, warnings = services.update_subject(
                request.user, "web", subject_id, values, request.POST.get("reason")
            )
        except InvalidError as exc:
            errors = exc.fields or {"": [exc.message]}
            form = crf.build_form("subjects", spec.columns, values)
        else:
            for w in warnings:
                messages.warning(request, f"Saved with a warning (a query was opened): {w}")
            messages.success(request, f"{spec.title} saved.")
            return HttpResponseRedirect(reverse("subject", args=[subject_id]))
    return render(
        request,
        "capture/form.html",
        _context(
            request,
            title=f"{spec.title} — {subject_id}",
            form=form,
            errors=errors,
            subject_id=subject_id,
            needs_reason=True,
        ),
    )


@page
def record_form(
    request: HttpRequest, subject_id: str, table: str, record_id: int | None = None
) -> HttpResponse:
    require(request.user, "enter")
    get_subject(request.user, subject_id)
    if table not in crf.RECORD_TITLES:
        raise InvalidError(f"no form {table!r}")
    columns = crf.record_columns(table)
    record = services.get_record(request.user, subject_id, table, record_id) if record_id else None
    form = crf.build_form(table, columns, initial=crf.as_form_data(record.data) if record else None)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _posted(request, [c.name for c in columns])
        try:
            if request.POST.get("delete") and record is not None:
                services.delete_record(
                    request.user, "web", subject_id, table, record.pk, request.POST.get("reason")
                )
                messages.success(request, f"{crf.RECORD_TITLES[table]}: row deleted.")
                return HttpResponseRedirect(reverse("subject", args=[subject_id]))
            if record is None:
                _, warnings = services.add_record(request.user, "web", subject_id, table, values)
            else:
                _, warnings = services.update_record(
                    request.user,
                    "web",
                    subject_id,
                    table,
                    record.pk,
                    values,
                    request.POST.get("reason"),
                )
        except InvalidError as exc:
            errors = exc.fields or {"": [exc.message]}
            form = crf.build_form(table, columns, values)
        else:
            for w in warnings:
                messages.warning(request, f"Saved with a warning (a query was opened): {w}")
            messages.success(request, f"{crf.RECORD_TITLES[table]} saved.")
            return HttpResponseRedirect(reverse("subject", args=[subject_id]) + f"#{table}")
    title = crf.RECORD_TITLES[table] + (" — edit" if record else " — new") + f" — {subject_id}"
    return render(
        request,
        "capture/form.html",
        _context(
            request,
            title=title,
            form=form,
            errors=errors,
            subject_id=subject_id,
            needs_reason=record is not None,
            can_delete=record is not None,
        ),
    )


@page
def screening_page(request: HttpRequest, subject_id: str, stage: str) -> HttpResponse:
    require(request.user, "view")
    subject = get_subject(request.user, subject_id)
    protocol = services.protocol_of(services.study_config())
    if stage not in elig.STAGES:
        raise InvalidError(f"no stage {stage!r}")
    latest = services.latest_screening(subject, stage)
    initial = dict(latest.facts) if latest else {}
    form = elig.screening_form(protocol, stage)
    form.initial = initial
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        require(request.user, "screen")
        values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        try:
            latest = services.screen_subject(request.user, "web", subject_id, stage, values)
        except InvalidError as exc:
            errors = exc.fields or {"": [exc.message]}
            form = elig.screening_form(protocol, stage, values)
        else:
            messages.info(request, f"{stage.title()} verdict: {latest.verdict}")
            return HttpResponseRedirect(reverse("screening", args=[subject_id, stage]))
    return render(
        request,
        "capture/screening.html",
        _context(
            request, subject_id=subject_id, stage=stage, form=form, errors=errors, latest=latest
        ),
    )


def _action(
    request: HttpRequest, subject_id: str, do: Callable[[], Any], done: str
) -> HttpResponse:
    try:
        do()
    except CaptureError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("subject", args=[subject_id]))


@require_POST
@page
def consent(request: HttpRequest, subject_id: str) -> HttpResponse:
    get_subject(request.user, subject_id)
    return _action(
        request,
        subject_id,
        lambda: services.record_consent(
            request.user, "web", subject_id, request.POST.get("consent_date")
        ),
        "Consent recorded.",
    )


@require_POST
@page
def register(request: HttpRequest, subject_id: str) -> HttpResponse:
    get_subject(request.user, subject_id)
    return _action(
        request,
        subject_id,
        lambda: services.register(
            request.user,
            "web",
            subject_id,
            request.POST.get("override_reason"),
            request.POST.get("password"),
        ),
        "Subject registered.",
    )


@require_POST
@page
def randomize(request: HttpRequest, subject_id: str) -> HttpResponse:
    get_subject(request.user, subject_id)
    return _action(
        request,
        subject_id,
        lambda: services.randomize_subject(
            request.user,
            "web",
            subject_id,
            request.POST.get("override_reason"),
            request.POST.get("password"),
        ),
        "Subject randomized.",
    )


@require_POST
@page
def sign(request: HttpRequest, subject_id: str) -> HttpResponse:
    get_subject(request.user, subject_id)
    return _action(
        request,
        subject_id,
        lambda: services.sign(request.user, "web", subject_id, request.POST.get("password")),
        "Casebook signed.",
    )


@require_POST
@page
def lock(request: HttpRequest, subject_id: str, state: str) -> HttpResponse:
    get_subject(request.user, subject_id)
    return _action(
        request,
        subject_id,
        lambda: services.set_lock(
            request.user, "web", subject_id, state == "lock", request.POST.get("reason")
        ),
        "Casebook locked." if state == "lock" else "Casebook unlocked.",
    )


@require_POST
@page
def query_new(request: HttpRequest, subject_id: str) -> HttpResponse:
    get_subject(request.user, subject_id)
    record = request.POST.get("record_id") or None
    return _action(
        request,
        subject_id,
        lambda: services.open_query(
            request.user,
            "web",
            subject_id,
            request.POST.get("table", "subjects"),
            request.POST.get("text", ""),
            int(record) if record and record.isdigit() else None,
            request.POST.get("field", ""),
        ),
        "Query opened.",
    )


@require_POST
@page
def query_action(request: HttpRequest, query_id: int, action: str) -> HttpResponse:
    query = Query.objects.select_related("subject").filter(pk=query_id).first()
    if query is None:
        raise NotFoundError(f"no query {query_id}")
    subject_id = query.subject.subject_id
    get_subject(request.user, subject_id)
    return _action(
        request,
        subject_id,
        lambda: services.move_query(
            request.user, "web", query_id, action, request.POST.get("text", "")
        ),
        f"Query {action}ed.",
    )


@page
def audit_page(request: HttpRequest, subject_id: str) -> HttpResponse:
    rows = audit_rows(request.user, subject_id)
    return render(
        request, "capture/audit.html", _context(request, subject_id=subject_id, rows=rows)
    )


@page
def randomization_page(request: HttpRequest) -> HttpResponse:
    require(request.user, "view")
    return render(
        request,
        "capture/randomization.html",
        _context(request, r=randomization_status(request.user)),
    )


class CutForm(forms.Form):
    cutoff = forms.DateField(
        input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"})
    )


@page
def export_page(request: HttpRequest) -> HttpResponse:
    require(request.user, "export")
    form = CutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        filename, data = cut_zip(request.user, "web", form.cleaned_data["cutoff"].isoformat())
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "capture/export.html", _context(request, form=form))

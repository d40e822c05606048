"""The JSON API under ``/api/``: token authentication (``Authorization: Token <key>``), the same
services and policy as the pages. A missing, unknown or revoked token gets 401."""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from rtio.capture import services
from rtio.capture.export import export_cut
from rtio.capture.models import Allocation, AuditEntry, Query
from rtio.capture.policy import (
    CaptureError,
    InvalidError,
    allowed,
    get_subject,
    profile_of,
    require,
    visible_subjects,
)
from rtio.capture.serialize import (
    audit_json,
    casebook_json,
    query_json,
    record_json,
    screening_json,
    subject_json,
)

View = Callable[..., HttpResponse]


def _error(status: int, message: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    body: dict[str, Any] = {"error": message}
    if fields:
        body["fields"] = fields
    return JsonResponse(body, status=status)


def api_view(methods: tuple[str, ...]) -> Callable[[View], View]:
    """Token authentication, allowed methods, JSON body parsing and errors as JSON."""

    def wrap(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            header = request.headers.get("Authorization", "")
            scheme, _, key = header.partition(" ")
            user = services.token_user(key.strip()) if scheme == "Token" and key.strip() else None
            if user is None or profile_of(user) is None:
                response = _error(401, "authentication required: Authorization: Token <token>")
                response["WWW-Authenticate"] = "Token"
                return response
            if request.method not in methods:
                return _error(405, f"method {request.method} not allowed here")
            body: dict[str, Any] = {}
            if request.method in ("POST", "PATCH", "DELETE") and request.body:
                try:
                    body = json.loads(request.body)
                except (ValueError, UnicodeDecodeError):
                    return _error(400, "the request body is not JSON")
                if not isinstance(body, dict):
                    return _error(400, "the request body must be a JSON object")
            request.user = user
            try:
                return view(request, body, *args, **kwargs)
            except CaptureError as exc:
                return _error(exc.status, exc.message, exc.fields)

        return inner

    return wrap


@api_view(("GET", "POST"))
def subjects(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    if request.method == "GET":
        require(request.user, "view")
        rows = [subject_json(s, request.user) for s in visible_subjects(request.user)]
        return JsonResponse({"subjects": rows})
    subject, warnings = services.create_subject(request.user, "api", body)
    return JsonResponse(
        {"subject": subject_json(subject, request.user), "warnings": warnings}, status=201
    )


@api_view(("GET", "PATCH"))
def subject(request: HttpRequest, body: dict[str, Any], subject_id: str) -> HttpResponse:
    if request.method == "GET":
        require(request.user, "view")
        return JsonResponse(casebook_json(get_subject(request.user, subject_id), request.user))
    changes = {k: v for k, v in body.items() if k != "reason"}
    if not str(body.get("reason") or "").strip():
        get_subject(request.user, subject_id)  # 404 first for another site's subject
        raise InvalidError("a reason for the change is required", {"reason": ["required"]})
    updated, warnings = services.update_subject(
        request.user, "api", subject_id, changes, body.get("reason")
    )
    return JsonResponse({"subject": subject_json(updated, request.user), "warnings": warnings})


@api_view(("POST",))
def screening(
    request: HttpRequest, body: dict[str, Any], subject_id: str, stage: str
) -> HttpResponse:
    made = services.screen_subject(request.user, "api", subject_id, stage, body)
    return JsonResponse({"screening": screening_json(made)}, status=201)


@api_view(("POST",))
def consent(request: HttpRequest, body: dict[str, Any], subject_id: str) -> HttpResponse:
    made = services.record_consent(request.user, "api", subject_id, body.get("consent_date"))
    return JsonResponse({"subject": subject_json(made, request.user)})


@api_view(("POST",))
def register(request: HttpRequest, body: dict[str, Any], subject_id: str) -> HttpResponse:
    made = services.register(
        request.user, "api", subject_id, body.get("override_reason"), body.get("password")
    )
    return JsonResponse({"subject": subject_json(made, request.user)})


@api_view(("POST",))
def randomize(request: HttpRequest, body: dict[str, Any], subject_id: str) -> HttpResponse:
    slot = services.randomize_subject(
        request.user, "api", subject_id, body.get("override_reason"), body.get("password")
    )
    made = get_subject(request.user, subject_id)
    return JsonResponse(
        {
            "subject": subject_json(made, request.user),
            "randomization_id": slot.randomization_id,
            "allocated_at": slot.allocated_at.isoformat() if slot.allocated_at else None,
        }
    )


@api_view(("GET", "POST"))
def records(
    request: HttpRequest, body: dict[str, Any], subject_id: str, table: str
) -> HttpResponse:
    if request.method == "GET":
        require(request.user, "view")
        owner = get_subject(request.user, subject_id)
        rows = owner.records.filter(table=table, deleted=False).order_by("pk")
        return JsonResponse({"records": [record_json(r) for r in rows]})
    made, warnings = services.add_record(request.user, "api", subject_id, table, body)
    return JsonResponse({"record": record_json(made), "warnings": warnings}, status=201)


@api_view(("GET", "PATCH", "DELETE"))
def record(
    request: HttpRequest, body: dict[str, Any], subject_id: str, table: str, record_id: int
) -> HttpResponse:
    if request.method == "GET":
        require(request.user, "view")
        return JsonResponse(
            {"record": record_json(services.get_record(request.user, subject_id, table, record_id))}
        )
    if request.method == "DELETE":
        services.delete_record(
            request.user, "api", subject_id, table, record_id, body.get("reason")
        )
        return JsonResponse({"deleted": record_id})
    changed, warnings = services.update_record(
        request.user, "api", subject_id, table, record_id, body, body.get("reason")
    )
    return JsonResponse({"record": record_json(changed), "warnings": warnings})


@api_view(("GET", "POST"))
def queries(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    if request.method == "GET":
        require(request.user, "view")
        visible = visible_subjects(request.user)
        rows = Query.objects.filter(subject__in=visible).select_related("subject").order_by("pk")
        if request.GET.get("subject_id"):
            rows = rows.filter(subject=get_subject(request.user, request.GET["subject_id"]))
        if request.GET.get("status"):
            rows = rows.filter(status=request.GET["status"])
        return JsonResponse({"queries": [query_json(q) for q in rows]})
    made = services.open_query(
        request.user,
        "api",
        str(body.get("subject_id") or ""),
        str(body.get("table") or "subjects"),
        str(body.get("text") or ""),
        body.get("record_id"),
        str(body.get("field") or ""),
    )
    return JsonResponse({"query": query_json(made)}, status=201)


@api_view(("POST",))
def query_action(
    request: HttpRequest, body: dict[str, Any], query_id: int, action: str
) -> HttpResponse:
    made = services.move_query(request.user, "api", query_id, action, str(body.get("text") or ""))
    return JsonResponse({"query": query_json(made)})


@api_view(("POST",))
def sign(request: HttpRequest, body: dict[str, Any], subject_id: str) -> HttpResponse:
    kwargs = {"meaning": body["meaning"]} if body.get("meaning") else {}
    sig = services.sign(request.user, "api", subject_id, body.get("password"), **kwargs)
    return JsonResponse(
        {
            "signature": {
                "id": sig.pk,
                "meaning": sig.meaning,
                "signed_at": sig.signed_at.isoformat(),
            }
        },
        status=201,
    )


@api_view(("POST",))
def lock(request: HttpRequest, body: dict[str, Any], subject_id: str, state: str) -> HttpResponse:
    made = services.set_lock(request.user, "api", subject_id, state == "lock", body.get("reason"))
    return JsonResponse({"subject": subject_json(made, request.user)})


def audit_rows(user: Any, subject_id: str | None) -> list[dict[str, Any]]:
    """Audit rows the user may read: one subject's, or those of the user's sites."""
    require(user, "audit")
    entries = AuditEntry.objects.order_by("seq")
    if subject_id:
        entries = entries.filter(subject_id=get_subject(user, subject_id).subject_id)
    else:
        ids = list(visible_subjects(user).values_list("subject_id", flat=True))
        profile = profile_of(user)
        if profile is not None and profile.all_sites:
            entries = entries.filter(subject_id__in=ids) | entries.filter(subject_id="")
        else:
            entries = entries.filter(subject_id__in=ids)
    return [audit_json(e, user) for e in entries]


@api_view(("GET",))
def audit(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    return JsonResponse({"audit": audit_rows(request.user, request.GET.get("subject_id"))})


def randomization_status(user: Any) -> dict[str, Any]:
    """Whether the list is live and how much of it is used; its rows for the unblinded role only."""
    config = services.study_config()
    setup = dict(config.randomization or {})
    out: dict[str, Any] = {
        "live": config.live_at is not None,
        "live_at": config.live_at.isoformat() if config.live_at else None,
        "method": setup.get("method"),
        "strata": setup.get("strata"),
        "allocated": Allocation.objects.exclude(subject__isnull=True).count(),
    }
    if allowed(user, "view_allocation_list"):
        out["setup"] = setup
        out["list"] = [
            {
                "randomization_id": a.randomization_id,
                "stratum": a.stratum,
                "sequence": a.sequence,
                "block_id": a.block_id,
                "arm": a.arm,
                "subject_id": a.subject.subject_id if a.subject else None,
                "allocated_at": a.allocated_at.isoformat() if a.allocated_at else None,
                "allocated_by": a.allocated_by,
                "strata_values": a.strata_values,
            }
            for a in Allocation.objects.select_related("subject").order_by("stratum", "sequence")
        ]
    return out


@api_view(("GET",))
def randomization(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    require(request.user, "view")
    return JsonResponse(randomization_status(request.user))


def cut_zip(user: Any, via: str, cutoff_text: str) -> tuple[str, bytes]:
    """A data cut of the user's sites as a zip of the study folder (name, bytes)."""
    require(user, "export")
    try:
        cutoff = dt.date.fromisoformat(str(cutoff_text))
    except ValueError as exc:
        raise InvalidError(
            "cutoff: a date YYYY-MM-DD is required", {"cutoff": ["YYYY-MM-DD"]}
        ) from exc
    name = f"cut-{cutoff.isoformat()}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / name
        export_cut(services.actor_of(user, via), visible_subjects(user), cutoff, folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, f"{name}/{path.name}")
    return f"{name}.zip", buffer.getvalue()


@api_view(("POST",))
def export(request: HttpRequest, body: dict[str, Any]) -> HttpResponse:
    filename, data = cut_zip(request.user, "api", str(body.get("cutoff") or ""))
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

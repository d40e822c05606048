"""Who may do what, and on which sites' records: one policy for the web pages and the API.

A record outside the caller's sites does not exist for the caller (404, never 403), so its
existence does not leak. Blinded roles never see arm, stratum or allocation values.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rtio.capture.errors import (
    CaptureError,
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
)
from rtio.capture.models import Profile, Subject

ENTRY = frozenset({"investigator", "coordinator", "data_manager"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset(
        {
            "investigator",
            "coordinator",
            "data_manager",
            "monitor",
            "statistician_blinded",
            "statistician_unblinded",
            "admin",
        }
    ),
    "enter": ENTRY,
    "screen": frozenset({"investigator", "coordinator"}),
    "enrol": frozenset({"investigator", "coordinator"}),
    "override_eligibility": frozenset({"investigator"}),
    "open_query": frozenset({"monitor", "data_manager"}),
    "answer_query": frozenset({"investigator", "coordinator", "data_manager"}),
    "close_query": frozenset({"monitor", "data_manager"}),
    "sign": frozenset({"investigator"}),
    "lock": frozenset({"data_manager"}),
    "export": frozenset({"data_manager", "statistician_unblinded"}),
    "view_allocation_list": frozenset({"statistician_unblinded"}),
    "audit": frozenset({"investigator", "coordinator", "data_manager", "monitor", "admin"}),
}
BLINDED = frozenset({"statistician_blinded"})
MASK = "(blinded)"

__all__ = ["CaptureError", "ConflictError", "ForbiddenError", "InvalidError", "NotFoundError"]


def profile_of(user: Any) -> Profile | None:
    """The user's profile (None for an anonymous or role-less user)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return Profile.objects.filter(user=user).prefetch_related("sites").first()


def role_of(user: Any) -> str:
    profile = profile_of(user)
    return profile.role if profile else ""


def allowed(user: Any, action: str) -> bool:
    """Whether the user's role may perform ``action``."""
    return role_of(user) in PERMISSIONS[action]


def require(user: Any, action: str) -> None:
    """Raise :class:`ForbiddenError` unless the user's role may perform ``action``."""
    if not allowed(user, action):
        raise ForbiddenError(
            f"the role {role_of(user) or 'none'!r} may not {action.replace('_', ' ')}"
        )


def visible_subjects(user: Any) -> QuerySet[Subject]:
    """The subjects of the user's sites (none for a user without a role)."""
    profile = profile_of(user)
    subjects = Subject.objects.select_related("site").order_by("subject_id")
    if profile is None:
        return subjects.none()
    if profile.all_sites:
        return subjects
    return subjects.filter(site__in=profile.sites.all())


def get_subject(user: Any, subject_id: str) -> Subject:
    """The subject ``subject_id`` if it belongs to one of the user's sites, else :class:`NotFoundError`."""
    subject = visible_subjects(user).filter(subject_id=subject_id).first()
    if subject is None:
        raise NotFoundError(f"no subject {subject_id!r} at your sites")
    return subject


def site_allowed(user: Any, site_code: str) -> bool:
    """Whether the user works at ``site_code``."""
    profile = profile_of(user)
    if profile is None:
        return False
    return profile.all_sites or profile.sites.filter(code=site_code).exists()


def blinded(user: Any) -> bool:
    """Whether allocation values are masked for the user."""
    return role_of(user) in BLINDED

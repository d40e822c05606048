"""URL map: the pages, and the JSON API under ``/api/``."""

from __future__ import annotations

from django.urls import path

from rtio.capture import api, views

SUBJECT = "<str:subject_id>"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.home, name="home"),
    path("subjects/new/", views.subject_new, name="subject_new"),
    path(f"subjects/{SUBJECT}/", views.subject_page, name="subject"),
    path(f"subjects/{SUBJECT}/form/<str:form_name>/", views.subject_form, name="subject_form"),
    path(f"subjects/{SUBJECT}/records/<str:table>/new/", views.record_form, name="record_new"),
    path(
        f"subjects/{SUBJECT}/records/<str:table>/<int:record_id>/",
        views.record_form,
        name="record_edit",
    ),
    path(f"subjects/{SUBJECT}/screening/<str:stage>/", views.screening_page, name="screening"),
    path(f"subjects/{SUBJECT}/consent/", views.consent, name="consent"),
    path(f"subjects/{SUBJECT}/register/", views.register, name="register"),
    path(f"subjects/{SUBJECT}/randomize/", views.randomize, name="randomize"),
    path(f"subjects/{SUBJECT}/sign/", views.sign, name="sign"),
    path(f"subjects/{SUBJECT}/lock/", views.lock, {"state": "lock"}, name="lock"),
    path(f"subjects/{SUBJECT}/unlock/", views.lock, {"state": "unlock"}, name="unlock"),
    path(f"subjects/{SUBJECT}/queries/new/", views.query_new, name="query_new"),
    path("queries/<int:query_id>/<str:action>/", views.query_action, name="query_action"),
    path(f"audit/{SUBJECT}/", views.audit_page, name="audit"),
    path("randomization/", views.randomization_page, name="randomization"),
    path("export/", views.export_page, name="export"),
    path("api/subjects/", api.subjects),
    path(f"api/subjects/{SUBJECT}/", api.subject),
    path(f"api/subjects/{SUBJECT}/screening/<str:stage>/", api.screening),
    path(f"api/subjects/{SUBJECT}/consent/", api.consent),
    path(f"api/subjects/{SUBJECT}/register/", api.register),
    path(f"api/subjects/{SUBJECT}/randomize/", api.randomize),
    path(f"api/subjects/{SUBJECT}/sign/", api.sign),
    path(f"api/subjects/{SUBJECT}/lock/", api.lock, {"state": "lock"}),
    path(f"api/subjects/{SUBJECT}/unlock/", api.lock, {"state": "unlock"}),
    path(f"api/subjects/{SUBJECT}/records/<str:table>/", api.records),
    path(f"api/subjects/{SUBJECT}/records/<str:table>/<int:record_id>/", api.record),
    path("api/queries/", api.queries),
    path("api/queries/<int:query_id>/<str:action>/", api.query_action),
    path("api/audit/", api.audit),
    path("api/randomization/", api.randomization),
    path("api/export/", api.export),
]

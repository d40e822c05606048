"""Django application config of the capture service."""

from __future__ import annotations

from django.apps import AppConfig


class CaptureConfig(AppConfig):
    """The ``capture`` application (models, migrations, templates)."""

    name = "rtio.capture"
    label = "capture"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "rtio data capture"

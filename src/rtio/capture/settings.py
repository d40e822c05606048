"""A Django settings module for tools that need one on disk (the django-stubs mypy plugin,
``django-admin`` with ``DJANGO_SETTINGS_MODULE=rtio.capture.settings``): the service's settings for
the default database URL. The service itself never imports it; it configures Django at run time
from ``--database`` (:func:`rtio.capture.config.configure`).
"""

from rtio.capture.config import DEFAULT_DATABASE, build_settings

globals().update(build_settings(DEFAULT_DATABASE))

"""Fixtures for the external programs and services some tests compare with or run against.

A test that needs one (R, PostgreSQL, Chromium, Java) skips with the reason when it is absent,
except under ``CI=true``: ``.ci/run`` installs and starts them, so there a missing one fails.
"""

from __future__ import annotations

import os
import shutil

import pytest


def service_missing(reason: str) -> None:
    """Skip (or, in CI, fail) a test whose external program or service is not available."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI installs and starts it: see .ci/run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def rscript() -> str:
    """Path of ``Rscript`` (Debian r-base-core with r-cran-survival, rpact, cmprsk, haven)."""
    path = shutil.which("Rscript")
    if path is None:
        service_missing("Rscript is not installed")
    return str(path)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of a PostgreSQL server the tests may create databases on (``RTIO_TEST_POSTGRES_URL``)."""
    url = os.environ.get("RTIO_TEST_POSTGRES_URL")
    if not url:
        service_missing(
            "RTIO_TEST_POSTGRES_URL is not set (start one with `eval $(bash .ci/services)`)"
        )
    return str(url)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's Chromium for headless browser tests."""
    path = os.environ.get("RTIO_TEST_CHROMIUM") or shutil.which("chromium")
    if not path:
        service_missing("chromium is not installed")
    return str(path)


@pytest.fixture(scope="session")
def java() -> str:
    """Path of ``java`` (Debian OpenJDK, for Spark in local mode)."""
    path = shutil.which("java")
    if path is None:
        service_missing("java is not installed")
    return str(path)

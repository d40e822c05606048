"""Property tests of the loader and validator on generated studies, valid and broken.

Whatever a study folder holds, validation returns a report and never raises (no ``internal``
rule either: a rule that had to be caught is a fault); every issue names a file and a row as a
person counts it; a study without errors loads with every subject it lists; loading raises only
rtio's own :class:`StudyValidationError`. The default run is bounded (derandomized, a few dozen
examples); the ``slow`` run generates many more.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from rtio.io import StudyValidationError, load_study, validate_study, validate_tables

from .strategies import GeneratedStudy, memory_tables, studies

DEFAULT = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check_study(study: GeneratedStudy) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = study.write(Path(tmp) / "study")
        report = validate_study(folder)
        shown = "\n".join(map(str, report.issues[:30]))
        assert "internal" not in report.rules(), shown
        for issue in report.issues:
            assert issue.severity in ("error", "warning")
            assert issue.file
            assert issue.row is None or issue.row >= 1, str(issue)
        try:
            loaded = load_study(folder)
        except StudyValidationError as exc:
            assert not exc.report.ok
            return
        assert report.ok, shown
        written = study.subject_rows()
        if written is not None:
            assert len(loaded.table("subjects")) == written


def check_tables(tables) -> None:
    report = validate_tables(tables, protocol="ChiCTR2100046715", settings={})
    assert "internal" not in report.rules(), "\n".join(map(str, report.issues[:30]))
    for issue in report.issues:
        assert issue.row is None or issue.row >= 1


@DEFAULT
@given(studies(broken=False))
def test_generated_valid_studies_load_with_every_subject(study: GeneratedStudy) -> None:
    check_study(study)


@DEFAULT
@given(studies())
def test_generated_studies_never_crash_the_validator(study: GeneratedStudy) -> None:
    check_study(study)


@DEFAULT
@given(memory_tables())
def test_tables_in_memory_never_crash_the_validator(tables) -> None:
    check_tables(tables)


@pytest.mark.slow
@SLOW
@given(studies())
def test_many_generated_studies_never_crash_the_validator(study: GeneratedStudy) -> None:
    check_study(study)


@pytest.mark.slow
@SLOW
@given(memory_tables())
def test_many_tables_in_memory_never_crash_the_validator(tables) -> None:
    check_tables(tables)

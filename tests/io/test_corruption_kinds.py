"""Every kind of corrupted study folder is named with its file, row, column and rule.

The kinds (``corruption.py``) are made from a simulated study; errors must refuse the study and
warnings must name the record an analysis treats differently, so that nothing is silently
dropped, changed or let in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rtio.io import validate_study
from rtio.io.docs import render_study_format

from .corruption import KINDS, apply, make_base


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = make_base(tmp_path_factory.mktemp("clean") / "study")
    report = validate_study(folder)
    assert report.issues == [], "\n".join(map(str, report.issues))
    return folder


def test_there_are_more_than_a_hundred_kinds() -> None:
    assert len(KINDS) >= 101


@pytest.mark.parametrize("kind", [k for _, k in KINDS], ids=[name for name, _ in KINDS])
def test_corruption_is_named(base: Path, tmp_path: Path, kind) -> None:
    expected = apply(kind, base, tmp_path / "study")
    report = validate_study(tmp_path / "study")
    shown = "\n".join(map(str, report.issues))
    assert "internal" not in report.rules(), shown
    for want in expected:
        found = [
            i
            for i in report.issues
            if (i.severity, i.file, i.row, i.column, i.rule)
            == (want.severity, want.file, want.row, want.column, want.rule)
        ]
        assert found, f"missing {want}\n{shown}"
        assert any(want.fragment in i.message for i in found), f"{want.fragment!r} in\n{shown}"
    if not any(e.severity == "error" for e in expected):
        assert report.ok, shown
    else:
        assert not report.ok


def test_every_rule_reported_is_documented(base: Path, tmp_path: Path) -> None:
    page = render_study_format()
    rules = {want.rule for name, kind in KINDS for want in apply(kind, base, tmp_path / name)}
    missing = {r for r in rules if f"`{r}`" not in page}
    assert not missing

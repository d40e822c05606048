"""study.yaml's ``protocol`` names a shipped id or a file inside the study folder; anything else
is refused without reading the file (its content never appears in a message)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rtio.io import load_study, validate_study
from rtio.protocol.loader import _shipped_dir

SECRET = "TOPSECRET-CONTENT"


@pytest.fixture
def study(valid_study: Path, tmp_path: Path) -> Path:
    (tmp_path / "secret.yaml").write_text(f"id: {SECRET}\ntitle: [{SECRET}\n")
    return valid_study


@pytest.mark.parametrize(
    "reference", ["../secret.yaml", "{tmp}/secret.yaml", "sub/../../secret.yaml"]
)
def test_paths_out_of_the_folder_are_refused_unread(
    study: Path, tmp_path: Path, reference: str
) -> None:
    (study / "study.yaml").write_text(f"protocol: {reference.format(tmp=tmp_path)}\n")
    report = validate_study(study)
    (issue,) = [i for i in report.errors if i.rule == "protocol"]
    assert issue.file == "study.yaml" and issue.column == "protocol"
    assert SECRET not in issue.message


def test_a_link_out_of_the_folder_is_refused(study: Path, tmp_path: Path) -> None:
    (study / "protocol-link.yaml").symlink_to(tmp_path / "secret.yaml")
    (study / "study.yaml").write_text("protocol: protocol-link.yaml\n")
    report = validate_study(study)
    assert any(i.rule == "protocol" and SECRET not in i.message for i in report.errors)


def test_a_protocol_file_inside_the_folder_is_used(study: Path) -> None:
    shutil.copy(_shipped_dir() / "ChiCTR2100046715.yaml", study / "my-protocol.yaml")
    (study / "study.yaml").write_text("protocol: my-protocol.yaml\ndata_cutoff: 2023-10-12\n")
    report = validate_study(study)
    assert report.ok, "\n".join(map(str, report.issues))
    assert not any(i.file == "my-protocol.yaml" for i in report.issues)
    assert load_study(study).protocol.id == "ChiCTR2100046715"


def test_a_file_named_as_a_shipped_id_is_a_clash(study: Path) -> None:
    (study / "ChiCTR2100046715").write_text("id: other\n")
    report = validate_study(study)
    assert any(i.rule == "protocol" and "both" in i.message for i in report.errors)

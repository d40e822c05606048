"""Shipped protocol ids resolve before paths; a file is used only when given as one
(--protocol-file or a Path); a name that is both is reported, not guessed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rtio.cli.main import app
from rtio.protocol import ProtocolError, load_protocol, locate_protocol
from rtio.protocol.loader import _shipped_dir

SHIPPED = "ChiCTR2100046715"


def test_validate_works_beside_a_folder_named_like_the_protocol(
    simulated, tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rtio validate ChiCTR2100046715/study` in a folder holding ChiCTR2100046715/."""
    shutil.copytree(simulated(SHIPPED, 12), tmp_path / SHIPPED / "study")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", f"{SHIPPED}/study"])
    assert result.exit_code == 0, result.output
    assert load_protocol(SHIPPED).id == SHIPPED


def test_a_file_named_like_a_shipped_id_is_a_clash(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / SHIPPED).write_text("id: other\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProtocolError, match="both a shipped protocol id and the file"):
        load_protocol(SHIPPED)
    result = runner.invoke(app, ["protocol", "show", SHIPPED])
    assert result.exit_code == 2
    assert "--protocol-file" in result.output and "Traceback" not in result.output
    # naming the file explicitly is not a clash
    result = runner.invoke(app, ["protocol", "show", "--protocol-file", SHIPPED])
    assert result.exit_code == 1  # the file exists but is not a valid protocol
    assert "invalid field" in result.output


def test_protocol_file_option_and_positional_path(tmp_path: Path, runner: CliRunner) -> None:
    copy = tmp_path / "mine.yaml"
    shutil.copy(_shipped_dir() / f"{SHIPPED}.yaml", copy)
    for args in (["--protocol-file", str(copy)], [str(copy)]):
        result = runner.invoke(app, ["protocol", "show", *args, "--json"])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["protocol", "show", SHIPPED, "--protocol-file", str(copy)])
    assert result.exit_code == 2 and "not both" in result.output


def test_unknown_ids_list_the_shipped_ones(runner: CliRunner) -> None:
    result = runner.invoke(app, ["protocol", "show", "NCT00000000"])
    assert result.exit_code == 2
    assert "unknown protocol 'NCT00000000'" in result.output and SHIPPED in result.output


def test_a_study_protocol_must_be_shipped_or_inside_the_study(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    shutil.copy(_shipped_dir() / f"{SHIPPED}.yaml", outside)
    study = tmp_path / "study"
    study.mkdir()
    shutil.copy(outside, study / "protocol.yaml")
    assert locate_protocol("protocol.yaml", within=study) == study / "protocol.yaml"
    assert locate_protocol(SHIPPED, within=study) == _shipped_dir() / f"{SHIPPED}.yaml"
    for reference in ("../elsewhere.yaml", str(outside), "/etc/passwd"):
        with pytest.raises(ProtocolError, match="inside the study folder"):
            locate_protocol(reference, within=study)
    (study / "link.yaml").symlink_to(outside)
    with pytest.raises(ProtocolError, match="leads out of it"):
        locate_protocol("link.yaml", within=study)


def test_a_yaml_error_does_not_echo_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\nsecret: value\n", encoding="utf-8")
    with pytest.raises(ProtocolError) as info:
        load_protocol(bad)
    assert "secret" not in str(info.value) and "line" in str(info.value)

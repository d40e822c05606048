"""`rtio protocol import-ctgov` turns a ClinicalTrials.gov API v2 record into a protocol skeleton."""

from pathlib import Path

import yaml
from typer.testing import CliRunner

from rtio.cli.main import app

RECORD = Path(__file__).parents[1] / "eligibility" / "data" / "NCT07164690_ctgov_v2.json"


def test_import_ctgov_writes_a_skeleton_with_manual_criteria(tmp_path: Path) -> None:
    out = tmp_path / "protocol.yaml"
    result = CliRunner().invoke(app, ["protocol", "import-ctgov", str(RECORD), "--out", str(out)])
    assert result.exit_code == 0, result.output
    skeleton = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert skeleton["id"] == "NCT07164690"
    assert len(skeleton["eligibility"]) == 25
    assert all(c["manual"] and c["rule"] is None for c in skeleton["eligibility"])

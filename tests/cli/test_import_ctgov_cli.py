"""`rtio protocol import-ctgov` writes a protocol that load_protocol loads, with every criterion it
cannot turn into a rule marked manual, and `rtio screen --protocol-file` works on it."""

from pathlib import Path

import pandas as pd
import yaml
from typer.testing import CliRunner

from rtio.cli.main import app
from rtio.protocol import load_protocol_file

RECORD = Path(__file__).parents[1] / "eligibility" / "data" / "NCT07164690_ctgov_v2.json"


def test_import_ctgov_round_trips_and_screens(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "protocol.yaml"
    result = runner.invoke(app, ["protocol", "import-ctgov", str(RECORD), "--out", str(out)])
    assert result.exit_code == 0, result.output
    protocol = load_protocol_file(out)
    assert protocol.id == "NCT07164690"
    assert len(protocol.eligibility) == 26
    written = yaml.safe_load(out.read_text(encoding="utf-8"))["eligibility"]
    assert all(c["manual"] and c["rule"] is None for c in written if c["id"] != "AGE_MIN")

    candidates = tmp_path / "candidates.csv"
    pd.DataFrame(
        {"candidate_id": ["a", "b"], "screening_date": ["2026-01-10"] * 2, "age": [17, 54]}
    ).to_csv(candidates, index=False)
    details = tmp_path / "details.csv"
    args = ["screen", "--protocol-file", str(out), str(candidates), "--details", str(details)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "candidates-screening.csv")
    assert table["outcome"].tolist() == ["excluded", "pending"]
    assert table["reason"].tolist()[0] == "AGE_MIN"
    rows = pd.read_csv(details).set_index(["candidate_id", "criterion"])
    assert rows.loc[("a", "AGE_MIN"), "reason"] == "age 17 years: does not meet ≥ 18 years"
    assert rows.loc[("b", "I2"), "status"] == "manual"


def test_import_ctgov_prints_the_protocol_without_out(runner: CliRunner) -> None:
    result = runner.invoke(app, ["protocol", "import-ctgov", str(RECORD)])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["id"] == "NCT07164690"

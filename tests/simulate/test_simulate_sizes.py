"""The simulator at every size: for every shipped protocol, ids that sort as their numbers and
every generated date consistent with its own subject's start (and end of follow-up), at sizes
around every power of ten (where zero-padded ids change width) and across the chunks of a big
study written as Parquet parts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtio.protocol import list_protocols
from rtio.simulate import simulate_study
from rtio.simulate.esophageal import SimulationConfig
from rtio.simulate.protocols import CUTOFFS, GENERATORS, write_protocol_study

SIZES = [1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 9999, 10000, 10001]

# days a table's date may lie before the subject's start: baseline scans (14 days before day 1),
# baseline labs (3 days before), screening (10 days before enrolment)
BEFORE_START = {"measurements": 14, "labs": 3, "screening": 10}
# dates that may lie after the end of follow-up: none (end dates after it are left empty)
DATE_COLUMNS = {
    "measurements": ["assessment_date"],
    "exposures": ["date"],
    "radiotherapy": ["start_date", "end_date"],
    "adverse_events": ["start_date", "end_date"],
    "labs": ["date"],
    "events": ["date"],
    "screening": ["screening_date"],
    "surgery": ["date"],
    "responses": ["assessment_date"],
    "_truth": ["true_progression_date", "progression_scan_date", "true_death_date"],
}
# the latent course goes beyond follow-up (it is what would have happened)
UNBOUNDED_ABOVE = {"_truth"}


def _tables(protocol: str, n: int) -> dict[str, pd.DataFrame]:
    if protocol == SimulationConfig.protocol:
        return simulate_study(n, 3)
    return GENERATORS[protocol](n, 3)


def _days(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


def check_dates_and_ids(tables: dict[str, pd.DataFrame], protocol: str, n: int) -> None:
    """Ids unique, sorted and known; every date within its subject's own follow-up."""
    subjects = tables["subjects"]
    ids = subjects["subject_id"].to_numpy().astype(str)
    assert len(ids) == n
    assert (ids[:-1] < ids[1:]).all(), "subject ids must sort as their numbers"
    numbers = np.char.lstrip(np.char.lstrip(ids, "SP"), "0").astype(int)
    assert (numbers == np.arange(1, n + 1)).all()
    start = _days(subjects["start_date"])
    end = _days(subjects["last_known_alive_date"])
    death = _days(subjects["death_date"])
    cutoff = np.datetime64(CUTOFFS.get(protocol, SimulationConfig.data_cutoff), "D")
    assert (start <= end).all() and (end <= cutoff).all()
    dead = ~np.isnat(death)
    assert (death[dead] == end[dead]).all()
    for name, columns in DATE_COLUMNS.items():
        table = tables.get(name)
        if table is None or table.empty:
            continue
        has_subject = table["subject_id"].fillna("").astype(str) != ""
        rows = table[has_subject.to_numpy()]
        at = np.searchsorted(ids, rows["subject_id"].to_numpy().astype(str))
        at = np.minimum(at, n - 1)
        assert (ids[at] == rows["subject_id"].to_numpy()).all(), f"{name}: unknown subject"
        for column in columns:
            day = _days(rows[column])
            given = ~np.isnat(day)
            lower = start[at] - np.timedelta64(BEFORE_START.get(name, 0), "D")
            early = given & (day < lower)
            assert not early.any(), (
                f"{protocol} n={n}: {name}.{column} before its subject's start: "
                f"{rows[early].head(3).to_dict('records')}"
            )
            if name not in UNBOUNDED_ABOVE:
                late = given & (day > end[at])
                assert not late.any(), (
                    f"{protocol} n={n}: {name}.{column} after its subject's follow-up: "
                    f"{rows[late].head(3).to_dict('records')}"
                )
    rt = tables.get("radiotherapy")
    if rt is not None and not rt.empty:
        assert (_days(rt["end_date"]) >= _days(rt["start_date"])).all()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("protocol", list_protocols())
def test_every_size_has_sorted_ids_and_consistent_dates(protocol: str, n: int) -> None:
    check_dates_and_ids(_tables(protocol, n), protocol, n)


def test_small_studies_keep_their_ids() -> None:
    """Ids keep the width they always had below the next power of ten (committed fixtures were
    simulated with them)."""
    assert simulate_study(33, 1)["subjects"]["subject_id"].iloc[-1] == "S0033"
    assert simulate_study(9999, 1)["subjects"]["subject_id"].iloc[0] == "S0001"
    assert simulate_study(10000, 1)["subjects"]["subject_id"].iloc[0] == "S00001"
    cohort = GENERATORS["yu2025-escc-local-rt"]
    assert cohort(999, 1)["subjects"]["subject_id"].iloc[-1] == "P999"
    assert cohort(1000, 1)["subjects"]["subject_id"].iloc[0] == "P0001"


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    parts = sorted((folder / name).glob("*.parquet"))
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts else None


@pytest.mark.parametrize("protocol", list_protocols())
def test_chunked_study_is_consistent_across_parts(protocol: str, tmp_path: Path) -> None:
    """A study written in Parquet parts: part k of every table holds exactly the subjects of part
    k of subjects, ids sort across parts, dates stay consistent."""
    folder = write_protocol_study(tmp_path / "s", protocol, 2500, 4, chunk_size=1000)
    assert not list(folder.glob("*.csv"))
    names = [p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("_")]
    for name in names:
        assert len(list((folder / name).glob("*.parquet"))) == 3, name
    subject_parts = [pd.read_parquet(p) for p in sorted((folder / "subjects").glob("*.parquet"))]
    for name in names:
        for k, part in enumerate(sorted((folder / name).glob("*.parquet"))):
            ids = pd.read_parquet(part)["subject_id"].dropna()
            assert ids.isin(subject_parts[k]["subject_id"]).all(), (name, k)
    tables = {name: _read(folder, name) for name in names}
    tables["_truth"] = _read(folder / "_truth", "subjects")
    check_dates_and_ids({k: v for k, v in tables.items() if v is not None}, protocol, 2500)


@pytest.mark.slow
@pytest.mark.parametrize("protocol", list_protocols())
def test_hundred_thousand_subjects(protocol: str, tmp_path: Path) -> None:
    folder = write_protocol_study(tmp_path / "s", protocol, 100_000, 2)
    names = [p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("_")]
    tables = {name: _read(folder, name) for name in names}
    tables["_truth"] = _read(folder / "_truth", "subjects")
    check_dates_and_ids({k: v for k, v in tables.items() if v is not None}, protocol, 100_000)


@pytest.mark.parametrize("protocol", list_protocols())
def test_command_line_simulates_one_and_eleven_subjects(protocol: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from rtio.cli.main import app
    from rtio.io import validate_study

    for n in (1, 11):
        out = tmp_path / f"n{n}"
        result = CliRunner().invoke(app, ["simulate", protocol, "--n", str(n), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert len(pd.read_csv(out / "subjects.csv")) == n
        report = validate_study(out)
        assert report.ok, [str(e) for e in report.errors[:5]]

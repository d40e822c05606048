"""Synthetic seed-004 studies: determinism, table format, calibration on the latent truth."""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from rtio.io import validate_study
from rtio.simulate import simulate_study, write_study

DAYS_PER_MONTH = 30.4375


def _table_errors(folder: Path) -> list:
    """Validation errors of the tables; without rtio.protocol only the tables are checked."""
    if importlib.util.find_spec("rtio.protocol") is None:
        (folder / "study.yaml").unlink()
        return [e for e in validate_study(folder).errors if e.file != "study.yaml"]
    return validate_study(folder).errors


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    a = write_study(tmp_path / "a", 33, 7)
    b = write_study(tmp_path / "b", 33, 7)
    names = sorted(p.name for p in a.glob("*.csv"))
    assert len(names) == 10
    _match, mismatch, errors = filecmp.cmpfiles(a, b, [*names, "study.yaml"], shallow=False)
    assert mismatch == [] and errors == []


def test_demo_study_tables_validate(tmp_path: Path) -> None:
    folder = write_study(tmp_path / "s", 33, 1)
    settings = yaml.safe_load((folder / "study.yaml").read_text())
    assert settings["synthetic"] is True and settings["protocol"] == "ChiCTR2100046715"
    assert _table_errors(folder) == []


def test_screening_matches_seed_004_profile() -> None:
    screening = simulate_study(33, 3)["screening"]
    # seed 004 Fig. 1: 56 screened, 23 excluded, 33 enrolled
    assert len(screening) == 56
    assert (screening["outcome"] == "excluded").sum() == 23


def test_targets_per_subject_and_organ() -> None:
    lesions = simulate_study(500, 2)["lesions"]
    targets = lesions[lesions["role"] == "target"]
    per_subject = targets.groupby("subject_id").size()
    assert per_subject.between(1, 5).all()
    assert targets.groupby(["subject_id", "organ"]).size().max() <= 2


def test_latent_calibration_against_seed_004_targets() -> None:
    tables = simulate_study(2000, 11)
    truth = tables["_truth"]
    start = pd.to_datetime(tables["subjects"]["start_date"])
    orr = truth["true_response"].isin(["CR", "PR"]).mean()
    pfs = (pd.to_datetime(truth["true_progression_date"]) - start).dt.days / DAYS_PER_MONTH
    os_ = (pd.to_datetime(truth["true_death_date"]) - start).dt.days / DAYS_PER_MONTH
    # seed 004: best-response ORR 20/33 = 60.6 %, median PFS ~10 months, median OS ~16 months
    assert abs(orr - 20 / 33) < 0.04
    assert 8.0 <= np.median(pfs) <= 12.0
    assert 13.5 <= np.median(os_) <= 18.5


def test_rendered_target_sums_follow_seed_004_response_rates() -> None:
    tables = simulate_study(2000, 11)
    lesions = tables["lesions"][["subject_id", "lesion_id", "role"]]
    scans = tables["measurements"].merge(lesions, on=["subject_id", "lesion_id"])
    targets = scans[scans["role"] == "target"].copy()
    # RECIST 1.1 §4.3.2: too-small lesions count 5 mm, absent lesions 0 mm
    targets["mm"] = targets["diameter_mm"].fillna(5.0)
    sums = targets.groupby(["subject_id", "visit"])["mm"].sum().unstack()
    shrunk = sums.drop(columns="baseline").le(0.7 * sums["baseline"], axis=0)
    # seed 004: best overall response 20/33 = 60.6 %; at 3 months after RT (week 24) 15/33 = 45.5 %
    assert abs(shrunk.any(axis=1).mean() - 20 / 33) < 0.07
    assert abs(shrunk["week24"].mean() - 15 / 33) < 0.07


def test_chunked_parquet_study_validates_and_repeats(tmp_path: Path) -> None:
    a = write_study(tmp_path / "a", 2500, 5, chunk_size=1000)
    b = write_study(tmp_path / "b", 2500, 5, chunk_size=1000)
    parts = sorted(p.relative_to(a) for p in a.glob("*/part-*.parquet"))
    assert len(parts) == 30
    for part in parts:
        assert pd.read_parquet(a / part).equals(pd.read_parquet(b / part))
    subjects = pd.concat(pd.read_parquet(p) for p in sorted((a / "subjects").glob("*.parquet")))
    assert subjects["subject_id"].is_unique and len(subjects) == 2500
    assert _table_errors(a) == []

"""RECIST 1.1 derived from simulated measurements agrees with the simulator's latent truth where it
must: the first PD is exactly the scan at which the latent progression is rendered."""

from pathlib import Path

import pandas as pd
import pytest

from rtio.analyse.derived import derive_study
from rtio.io import load_study
from rtio.simulate import write_study


@pytest.mark.parametrize(("n", "seed"), [(33, 1), (300, 2)])
def test_first_pd_date_equals_latent_progression_scan(tmp_path: Path, n: int, seed: int) -> None:
    folder = write_study(tmp_path / "study", n, seed)
    study = load_study(folder)
    timepoints = derive_study(study).timepoints
    derived = (
        timepoints[timepoints["overall_response"] == "PD"]
        .groupby("subject_id")["assessment_date"]
        .min()
    )
    truth = pd.read_csv(
        folder / "_truth" / "subjects.csv", parse_dates=["progression_scan_date"]
    ).set_index("subject_id")
    expected = truth["progression_scan_date"].where(
        truth["progression_scan_date"] <= pd.Timestamp(study.settings.data_cutoff)
    )
    pd.testing.assert_series_equal(
        derived.reindex(expected.index), expected.astype("datetime64[ns]"), check_names=False
    )


def test_latent_non_responders_never_respond(tmp_path: Path) -> None:
    folder = write_study(tmp_path / "study", 300, 3)
    bor = derive_study(load_study(folder)).bor.set_index("subject_id")["bor"]
    truth = pd.read_csv(folder / "_truth" / "subjects.csv").set_index("subject_id")["true_response"]
    assert not bor[truth[truth == "PD"].index].isin(["CR", "PR"]).any()

"""With the OMOP Oncology extension's ``episode`` table, radiotherapy courses are its episodes;
built from the same fractions, they give the same study as the procedure eras."""

from __future__ import annotations

import shutil

import pandas as pd
import yaml

from rtio.rwd.api import extract
from rtio.rwd.omop import RT_PROCEDURES

EPISODE_RT = 32531
"""Oncology extension: episode concept "Treatment Regimen"."""


def test_episodes_as_rt_courses(omop_cdm, tmp_path) -> None:
    cdm = tmp_path / "cdm"
    shutil.copytree(omop_cdm, cdm)
    fractions = pd.read_parquet(cdm / "procedure_occurrence.parquet")
    dates = pd.to_datetime(fractions["procedure_date"])
    gap = dates.groupby(fractions["person_id"]).diff().dt.days
    course = (gap.isna() | (gap > 14)).groupby(fractions["person_id"]).cumsum()
    episodes = (
        fractions.assign(course=course, date=dates)
        .groupby(["person_id", "course"])
        .agg(start=("date", "min"), end=("date", "max"), concept=("procedure_concept_id", "min"))
        .reset_index()
    )
    pd.DataFrame(
        {
            "episode_id": range(1, len(episodes) + 1),
            "person_id": episodes["person_id"],
            "episode_concept_id": EPISODE_RT,
            "episode_start_date": episodes["start"].dt.date,
            "episode_end_date": episodes["end"].dt.date,
            "episode_object_concept_id": episodes["concept"],
        }
    ).to_parquet(cdm / "episode.parquet", index=False)
    definition = yaml.safe_load((cdm / "cohort.yaml").read_text())
    definition["concept_sets"]["rt_episode"] = {
        "concepts": [{"id": i, "name": n} for n, i in RT_PROCEDURES.items()]
    }
    definition["radiotherapy"]["episode_concept_set"] = "rt_episode"
    (cdm / "episodes.yaml").write_text(yaml.safe_dump(definition))
    extract(cdm / "episodes.yaml", [cdm], tmp_path / "episodes")
    extract(omop_cdm / "cohort.yaml", [omop_cdm], tmp_path / "eras")
    a = pd.read_parquet(tmp_path / "episodes" / "radiotherapy.parquet")
    b = pd.read_parquet(tmp_path / "eras" / "radiotherapy.parquet")
    keys = ["subject_id", "start_date"]
    pd.testing.assert_frame_equal(
        a.sort_values(keys).reset_index(drop=True), b.sort_values(keys).reset_index(drop=True)
    )

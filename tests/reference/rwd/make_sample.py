"""Write sample_1e5.csv.gz: 10^5 persons of a synthetic OMOP CDM, as the analysis rows R reads.

Run once (the committed CSV is the fixture; later changes to the simulator do not touch it):
    python tests/reference/rwd/make_sample.py && Rscript tests/reference/rwd/rwd_reference.R
Columns: id, time (days, OS from the index, 0.5 for a zero-day follow-up), event, rt_day (day of
the first RT fraction; empty: never irradiated), ecog, age.
"""

import tempfile
from pathlib import Path

from rtio.rwd.analysis import CohortTables, PushedDownCohort
from rtio.rwd.definition import load_definition
from rtio.rwd.engine import open_engine
from rtio.rwd.pipeline import build_cohort
from rtio.rwd.simulate import write_omop

HERE = Path(__file__).parent

with tempfile.TemporaryDirectory() as tmp:
    cdm = write_omop(Path(tmp) / "cdm", 100_000, seed=2026)
    definition = load_definition(cdm / "cohort.yaml")
    with open_engine("duckdb", Path(tmp) / "work") as engine:
        build_cohort(definition, [cdm], engine)
        cohort = PushedDownCohort(CohortTables(engine, data_cutoff=definition.data_cutoff))
        engine.stage(
            "an_rt", cohort.t.rt_exposure(), ["an_followup", "study_radiotherapy", "study_subjects"]
        )
        frame = engine.connection.execute(
            "SELECT CAST(s.person_id AS BIGINT) AS id, r.time, r.event, r.day AS rt_day, s.ecog, s.age "
            "FROM an_rt r JOIN study_subjects s ON s.subject_id = r.subject_id ORDER BY id"
        ).df()
frame.to_csv(HERE / "sample_1e5.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
print(len(frame), frame["event"].sum(), frame["rt_day"].notna().sum())

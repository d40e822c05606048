"""R reference values for the cohort analyses (tests/reference/cohort/cohort_reference.R)."""

import json
from pathlib import Path

import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "cohort" / "cohort_reference.json"


@pytest.fixture(scope="session")
def reference() -> dict:
    return json.loads(REFERENCE.read_text())


@pytest.fixture(scope="session")
def jasa_tables(reference) -> dict[str, pd.DataFrame]:
    """The Stanford heart transplant patients (R survival::jasa) as rtio study tables.

    The index date is the day before acceptance, so that days from the index equal the day + 1
    time scale of R's ``heart`` data set.
    """
    jasa = pd.DataFrame(reference["jasa"])
    accept = pd.to_datetime(jasa["accept_dt"])
    fu = pd.to_datetime(jasa["fu_dt"])
    dead = jasa["fustat"] == 1
    subjects = pd.DataFrame(
        {
            "subject_id": jasa["id"].astype(str).str.zfill(3),
            "start_date": accept - pd.Timedelta(days=1),
            "death_date": fu.where(dead),
            "last_known_alive_date": fu,
        }
    )
    tx = pd.to_datetime(jasa["tx_dt"].replace("", None))
    transplants = pd.DataFrame({"subject_id": subjects["subject_id"], "start_date": tx}).dropna()
    return {"subjects": subjects, "transplants": transplants}

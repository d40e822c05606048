"""iRECIST (Seymour et al., Lancet Oncol 2017) when the protocol's response criteria name it:
iBOR per patient (best of iCR > iPR > iSD > iUPD > iCPD) and iPFS — the first confirmed
progression (iCPD, dated by the scan that confirms it) or death, censored at the last iRECIST
assessment (declared sources of :func:`rtio.derive.tte.derive_param_tte`)."""

from __future__ import annotations

import pandas as pd

from rtio.analyse.derived import Derived
from rtio.analyse.results import CountRow, IRecist, SurvivalResult
from rtio.analyse.survival import summarise_km
from rtio.derive.irecist import irecist_best_overall_response, irecist_responses
from rtio.derive.tte import CensorSource, Condition, EventSource, derive_param_tte
from rtio.io import Study

CATEGORIES = ("iCR", "iPR", "iSD", "iUPD", "iCPD", "NE")
CONFIRMED_PROGRESSION = EventSource(
    "responses",
    "assessment_date",
    "Confirmed progression (iCPD)",
    Condition("irecist_response", ("iCPD",)),
)
DEATH = EventSource("subjects", "death_date", "Death", window="from_start")
LAST_ASSESSMENT = CensorSource(
    "responses",
    "assessment_date",
    "Last iRECIST assessment",
    Condition("irecist_response", ("iCR", "iPR", "iSD", "iUPD")),
)


def uses_irecist(study: Study) -> bool:
    """Whether the protocol's response criteria name iRECIST."""
    criteria = study.protocol.response_criteria
    return bool(criteria and "irecist" in criteria.name.lower())


def irecist(study: Study, derived: Derived, populations: dict[str, pd.Index]) -> IRecist | None:
    """iBOR distribution and iPFS (KM) in ITT; None unless the protocol says iRECIST."""
    if not uses_irecist(study) or derived.timepoints is None:
        return None
    responses = irecist_responses(derived.timepoints)
    best = irecist_best_overall_response(responses)
    ids = populations.get("ITT", pd.Index(derived.adsl["subject_id"]))
    frame = pd.DataFrame({"subject_id": ids}).merge(best, how="left", on="subject_id")
    counts = frame["ibor"].fillna("NE").value_counts()
    n = len(frame)
    subjects = study.tables["subjects"]
    cutoff = study.settings.data_cutoff
    if cutoff is not None:
        subjects = subjects.assign(
            death_date=subjects["death_date"].where(subjects["death_date"] <= pd.Timestamp(cutoff))
        )
    ipfs_rows = derive_param_tte(
        {"subjects": subjects, "responses": responses},
        subjects[["subject_id", "start_date"]],
        paramcd="IPFS",
        param="iRECIST progression-free survival",
        events=[CONFIRMED_PROGRESSION, DEATH],
        censors=[LAST_ASSESSMENT],
    )
    ipfs: SurvivalResult | None = summarise_km(
        ipfs_rows[ipfs_rows["subject_id"].isin(ids)], "IPFS", "ITT"
    )
    return IRecist(
        distribution=[
            CountRow(
                category=c, n=int(counts.get(c, 0)), pct=100 * counts.get(c, 0) / n if n else None
            )
            for c in CATEGORIES
        ],
        ipfs=ipfs,
        unconfirmed_progressions=int(
            (responses["irecist_response"] == "iUPD").groupby(responses["subject_id"]).any().sum()
        ),
    )

"""The data cut-off of an analysis: ``--cutoff`` overrides study.yaml's ``data_cutoff``.

Records dated after the cut-off are set aside (scans, responses, adverse events, doses, RT
courses, events, labs, surgery); follow-up is censored at it (by the time-to-event derivations).
Subjects who started after the cut-off are excluded from the analysis with a named warning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from rtio.io import Study
from rtio.lookup import is_in

DATED = {
    "measurements": "assessment_date",
    "responses": "assessment_date",
    "adverse_events": "start_date",
    "exposures": "date",
    "radiotherapy": "start_date",
    "events": "date",
    "labs": "date",
    "surgery": "date",
}
"""The date that places each table's records before or after the cut-off."""


def apply_cutoff(study: Study, cutoff: dt.date | None) -> tuple[Study, list[str]]:
    """The study as of ``cutoff`` (default: study.yaml's) and the warnings it raises."""
    chosen = cutoff or study.settings.data_cutoff
    if chosen is None:
        return study, []
    limit = pd.Timestamp(chosen)
    subjects = study.tables["subjects"]
    late = subjects["start_date"] > limit
    warnings = []
    if late.any():
        ids = subjects.loc[late, "subject_id"].astype(str).tolist()
        listed = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
        warnings.append(
            f"{len(ids)} subject(s) started after the data cut-off {chosen.isoformat()} and are "
            f"excluded from the analysis: {listed}"
        )
    kept = set(subjects.loc[~late, "subject_id"])
    tables = {}
    for name, table in study.tables.items():
        if "subject_id" in table.columns and name != "screening":
            table = table[is_in(table["subject_id"], kept)]
        column = DATED.get(name)
        if column is not None and column in table.columns:
            table = table[~(table[column] > limit)]
        tables[name] = table.reset_index(drop=True)
    settings = study.settings.model_copy(update={"data_cutoff": chosen})
    return dataclasses.replace(study, settings=settings, tables=tables), warnings

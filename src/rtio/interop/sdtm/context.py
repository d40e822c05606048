"""What every SDTM domain reader shares: the domains read, the subjects placed, and the options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rtio.interop.report import ImportReport
from rtio.interop.sdtm.source import Domain, Imputation


@dataclass
class Context:
    """The state of one SDTM import.

    ``subject_ids`` maps USUBJID -> subject_id for the subjects placed so far; ``start_dates`` their
    start dates (for imputation bounds and baselines); ``ctcae_version`` the AE terms' version."""

    domains: dict[str, Domain]
    report: ImportReport
    imputation: Imputation
    protocol: Any
    ctcae_version: str = "5.0"
    subject_ids: dict[str, str] = field(default_factory=dict)
    start_dates: pd.Series = field(default_factory=lambda: pd.Series(dtype="datetime64[ns]"))
    dropped_subjects: dict[str, str] = field(default_factory=dict)
    screened: set[str] = field(default_factory=set)
    settings: dict[str, Any] = field(default_factory=dict)

    def domain(self, name: str) -> Domain | None:
        return self.domains.get(name)

    def of_known_subjects(self, domain: Domain, frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """The domain's rows whose USUBJID is a placed subject; the others are rejected (naming
        why the subject is absent), and ``subject_id`` is added."""
        frame = domain.rejector.keep(domain.frame if frame is None else frame)
        usubjid = frame["USUBJID"].astype(str)
        known = usubjid.isin(self.subject_ids).to_numpy()
        dropped = (
            usubjid.isin(self.dropped_subjects).to_numpy() | usubjid.isin(self.screened).to_numpy()
        )
        reasons = usubjid.map(self.absence)
        domain.rejector.reject(frame, dropped, "USUBJID", reasons, kind="not_imported")
        domain.rejector.reject(frame, ~known & ~dropped, "USUBJID", reasons)
        kept = frame[known]
        return kept.assign(subject_id=kept["USUBJID"].astype(str).map(self.subject_ids))

    def absence(self, usubjid: str) -> str:
        """Why a USUBJID has no subject in the study folder."""
        if usubjid in self.dropped_subjects:
            return f"subject not imported ({self.dropped_subjects[usubjid]})"
        if usubjid in self.screened:
            return "a screened candidate who is not a study subject (DM ARMCD SCRNFAIL / NOTASSGN)"
        return "USUBJID is not a subject in DM"

    def subject_start(self, frame: pd.DataFrame) -> pd.Series:
        """Each row's subject start date (NaT where unknown)."""
        values = self.start_dates.reindex(frame["subject_id"].to_numpy()).to_numpy()
        return pd.Series(values, index=frame.index, dtype="datetime64[ns]")


def drop_rows(
    domain: Domain, table: pd.DataFrame, mask: np.ndarray, variable: str, reason: str | pd.Series
) -> pd.DataFrame:
    """Remove rows of a built study table, rejecting the source records each came from
    (``_record`` or the list ``_records``)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return table
    gone = table[mask]
    reasons = reason if isinstance(reason, str) else reason[mask]
    records = gone["_records"] if "_records" in gone else gone["_record"].map(lambda r: [r])
    rows = []
    for i, (recs, subject) in enumerate(zip(records, gone["subject_id"], strict=True)):
        why = reasons if isinstance(reasons, str) else reasons.iloc[i]
        rows += [(int(r), str(subject), why) for r in recs]
    flagged = pd.DataFrame(rows, columns=["_record", "_subject", "_reason"])
    domain.rejector.reject(
        flagged,
        np.ones(len(flagged), bool),
        variable,
        flagged["_reason"],
        values=pd.Series([""] * len(flagged)),
    )
    return table[~mask]

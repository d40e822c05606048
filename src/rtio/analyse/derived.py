"""The derived tables an analysis starts from: timepoint responses, best overall responses
(confirmed and unconfirmed), time-to-event rows (ADTTE) and population flags (ADSL), from a loaded
study, with the derivation parameters that were used (for the Methods text)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rtio.derive.populations import derive_adsl
from rtio.derive.recist import best_overall_response, timepoint_responses
from rtio.derive.tte import derive_dor, derive_os, derive_pfs
from rtio.io import Study
from rtio.io.timing import baseline_window_days
from rtio.protocol.models import Protocol
from rtio.vocabulary import CONFIRM_MIN_DAYS, SD_MIN_DAYS


@dataclass
class Derived:
    """Derived tables of one study; response tables are None without lesion data. ``bor`` is the
    protocol's reading (confirmed when the protocol requires confirmation)."""

    adsl: pd.DataFrame
    timepoints: pd.DataFrame | None
    bor: pd.DataFrame | None
    bor_confirmed: pd.DataFrame | None
    bor_unconfirmed: pd.DataFrame | None
    adtte: pd.DataFrame
    confirmed: bool
    baseline_window_days: int
    sd_min_days: int
    confirm_min_days: int


def confirmation_required(protocol: Protocol) -> bool:
    """Whether the protocol's response criteria require confirmation (default: not required)."""
    criteria = protocol.response_criteria
    return bool(criteria and criteria.confirmation_required)


def derive_study(
    study: Study,
    sd_min_days: int = SD_MIN_DAYS,
    confirm_min_days: int = CONFIRM_MIN_DAYS,
) -> Derived:
    """Derive populations, RECIST 1.1 responses and PFS / OS / DoR for a loaded study (data after
    ``study.settings.data_cutoff`` ignored)."""
    tables = study.tables
    subjects = tables["subjects"]
    cutoff = study.settings.data_cutoff
    adsl = derive_adsl(tables, study.protocol)
    window = baseline_window_days(study.protocol)
    confirm = confirmation_required(study.protocol)
    parts = [derive_os(subjects, data_cutoff=cutoff)]
    timepoints = bor = confirmed = unconfirmed = None
    lesions, measurements = tables.get("lesions"), tables.get("measurements")
    if lesions is not None and measurements is not None:
        if cutoff is not None:
            measurements = measurements[measurements["assessment_date"] <= pd.Timestamp(cutoff)]
        timepoints = timepoint_responses(
            lesions, measurements, subjects, tables.get("radiotherapy"), baseline_window_days=window
        )
        confirmed, unconfirmed = (
            best_overall_response(
                timepoints,
                subjects,
                confirm=confirm_bor,
                sd_min_days=sd_min_days,
                confirm_min_days=confirm_min_days,
            )
            for confirm_bor in (True, False)
        )
        bor = confirmed if confirm else unconfirmed
        events = tables.get("events")
        parts += [
            derive_pfs(timepoints, subjects, data_cutoff=cutoff, events=events),
            derive_dor(timepoints, subjects, bor, data_cutoff=cutoff, events=events),
        ]
    adtte = pd.concat(parts, ignore_index=True)
    return Derived(
        adsl,
        timepoints,
        bor,
        confirmed,
        unconfirmed,
        adtte,
        confirm,
        window,
        sd_min_days,
        confirm_min_days,
    )

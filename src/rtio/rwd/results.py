"""``rtio cohort run``: the Results of ``rtio analyse`` for a cohort that stays in the engine.

Same shape as ``rtio analyse`` on the extracted study (:class:`rtio.analyse.results.Results`):
populations, baseline table, OS Kaplan–Meier, median follow-up and the cohort comparisons. The
baseline table is computed by ``rtio.analyse.baseline`` from the engine's counts per distinct
(age, sex, ECOG, arm) — a frequency table, not patient rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform

import numpy as np
import pandas as pd
import scipy

from rtio import __version__
from rtio.analyse.baseline import baseline_table
from rtio.analyse.cohort import (
    categorical_comparison,
    exposure_comparison,
    exposure_groups,
    immortal_time_note,
)
from rtio.analyse.results import (
    AttritionStep,
    BaselineRow,
    CohortResults,
    CurvePoint,
    Interval,
    Meta,
    RateAt,
    Results,
    SurvivalResult,
)
from rtio.analyse.survival import KM_METHOD
from rtio.protocol import load_protocol
from rtio.protocol.models import Protocol
from rtio.rwd.analysis import DAYS_PER_MONTH, CohortTables, PushedDownCohort
from rtio.rwd.engine import Engine
from rtio.rwd.survival import event_counts, km_from_counts
from rtio.stats import KaplanMeier

NOT_AVAILABLE = {
    "response": "the study has no lesions / measurements tables",
    "safety": "the study has no adverse_events table",
}


def _none(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def survival_result(
    fit: KaplanMeier, n: int, events: int, endpoint: str, population: str
) -> SurvivalResult:
    """``rtio.analyse.survival.summarise_km``'s result from a KM fitted on engine counts."""
    median = fit.median()
    at = fit.survival_at([12, 24], extend=True)
    table = {c: fit.table[c].to_numpy(float) for c in fit.table.columns}
    curve = [
        CurvePoint(
            months=float(table["time"][i]),
            survival=float(table["survival"][i]),
            lower=_none(table["lower"][i]),
            upper=_none(table["upper"][i]),
            n_risk=float(table["n_risk"][i]),
            n_event=float(table["n_event"][i]),
            n_censor=float(table["n_censor"][i]),
        )
        for i in range(len(fit.table))
    ]
    rate = {c: at[c].to_numpy(float) for c in at.columns}
    rates = [
        RateAt(
            months=float(rate["time"][i]),
            survival=_none(rate["survival"][i]),
            lower=_none(rate["lower"][i]),
            upper=_none(rate["upper"][i]),
            n_risk=int(rate["n_risk"][i]),
        )
        for i in range(len(at))
    ]
    return SurvivalResult(
        endpoint=endpoint,
        population=population,
        group=None,
        n=n,
        events=events,
        median=Interval(
            value=_none(median.value),
            lower=_none(median.lower),
            upper=_none(median.upper),
            method=KM_METHOD,
        ),
        rates=rates,
        curve=curve,
        method=KM_METHOD,
    )


def baseline_rows(
    engine: Engine, subjects: str, radiotherapy: str, protocol: Protocol
) -> list[BaselineRow]:
    """Table 1 from counts per distinct (age, sex, ECOG, arm, ever irradiated), by exposure group
    as ``rtio analyse`` gives it for a cohort (with SMDs)."""
    counts = engine.fetch(
        f"SELECT age, sex, ecog, arm, subject_id IN (SELECT subject_id FROM {radiotherapy}) "
        f"AS exposed, COUNT(*) AS n FROM {subjects} GROUP BY age, sex, ecog, arm, exposed"
    )
    frame = counts.loc[counts.index.repeat(counts["n"])].drop(columns="n").reset_index(drop=True)
    frame["age"] = frame["age"].astype(float)
    frame["subject_id"] = np.arange(len(frame)).astype(str)
    if frame["ecog"].isna().all():
        frame = frame.drop(columns="ecog")
    groups, order, reference = exposure_groups(
        protocol, frame["subject_id"], frame["exposed"].to_numpy(dtype=bool)
    )
    return baseline_table(frame, None, groups, order, reference, smd=True)


def os_by_exposure(
    engine: Engine, tables: CohortTables, protocol: Protocol
) -> dict[str, SurvivalResult]:
    """OS Kaplan–Meier per exposure group (ever irradiated or not), as ``rtio analyse`` gives it
    for a cohort; counts per group and time from the engine."""
    flagged = (
        f"SELECT o.*, o.subject_id IN (SELECT subject_id FROM {tables.radiotherapy}) AS exposed "
        f"FROM ({tables.os_days()}) o"
    )
    counts = event_counts(engine, flagged, group="exposed")
    ids = pd.Series(["0", "1"])
    groups, order, _ = exposure_groups(protocol, ids, np.array([False, True]))
    if groups is None:
        return {}
    out = {}
    for label in order:
        flag = bool(groups[groups == label].index[0] == "1")
        part = counts[counts["grp"].astype(bool) == flag]
        if part.empty:
            continue
        fit = km_from_counts(part, scale=DAYS_PER_MONTH)
        events = int((part["n"] * part["event"]).sum())
        out[label] = survival_result(fit, int(part["n"].sum()), events, "OS", "ITT").model_copy(
            update={"group": label}
        )
    return out


def cohort_results(
    engine: Engine,
    protocol_id: str,
    data_cutoff: dt.date | None,
    synthetic: bool,
    source: str,
    fingerprint: str,
    engine_version: str,
    attrition: list[dict[str, object]] | None = None,
) -> Results:
    """Results of the cohort held in the engine's study tables (see the module docstring)."""
    protocol = load_protocol(protocol_id)
    tables = CohortTables(engine, data_cutoff=data_cutoff)
    n = int(engine.fetch("SELECT COUNT(*) AS n FROM study_subjects").iloc[0]["n"])
    meta = Meta(
        study=source,
        protocol_id=protocol.id,
        protocol_title=protocol.title,
        design=protocol.design.type,
        rtio_version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        input_sha256=fingerprint,
        data_cutoff=None if data_cutoff is None else data_cutoff.isoformat(),
        synthetic=synthetic,
        software={
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "pandas": pd.__version__,
            "engine": engine_version,
        },
    )
    results = Results(meta=meta, populations={"ITT": n})
    results.baseline = baseline_rows(engine, tables.subjects, tables.radiotherapy, protocol)
    os_counts = event_counts(engine, tables.os_days())
    fit = km_from_counts(os_counts, scale=DAYS_PER_MONTH)
    events = int((os_counts["n"] * os_counts["event"]).sum())
    results.survival.append(
        survival_result(fit, n, events, "OS", "ITT").model_copy(
            update={"by_arm": os_by_exposure(engine, tables, protocol)}
        )
    )
    reverse = os_counts.assign(event=1 - os_counts["event"])
    follow = km_from_counts(reverse, scale=DAYS_PER_MONTH).median()
    results.follow_up = Interval(
        value=_none(follow.value),
        lower=_none(follow.lower),
        upper=_none(follow.upper),
        method="reverse Kaplan–Meier (censoring as the event)",
    )
    censored = os_counts[os_counts["event"] == 0]["time"] / DAYS_PER_MONTH
    results.follow_up_range = (
        (float(censored.min()), float(censored.max())) if len(censored) else (np.nan, np.nan)
    )
    pushed = PushedDownCohort(tables)
    rt = pushed.compare_rt()
    categories = cycle_categories(protocol)
    cohort = CohortResults(
        local_rt=None if rt is None else exposure_comparison(rt),
        io_cycles=None
        if categories is None
        else categorical_comparison(pushed.compare_cycles(*categories)),
    )
    results.cohort = cohort
    results.not_available = dict(NOT_AVAILABLE)
    note = immortal_time_note(cohort)
    if note:
        results.notes.append(note)
    if attrition:
        results.attrition = [AttritionStep.model_validate(step) for step in attrition]
    results.methods = [
        f"The cohort was built from an OMOP CDM and analysed inside the {engine_version} engine; only "
        "aggregates (counts per time and group, Cox risk-set sums per Newton step) left the engine.",
        "OS was estimated by the Kaplan–Meier method with log-transformed 95 % CIs (as R survfit); median CIs "
        "invert the pointwise band (Brookmeyer–Crowley, as R quantile.survfit). Durations are in months "
        f"(days / {DAYS_PER_MONTH}). Median follow-up uses the reverse Kaplan–Meier method.",
        "Exposures that start after the index date were analysed naively, at landmarks (3 and 6 months; 9 months "
        "for IO cycles) and as time-varying covariates in Cox models (Efron ties) on counting-process data.",
    ]
    return results


def cycle_categories(protocol: object) -> tuple[list[str], list[int]] | None:
    """Labels and entry thresholds of the protocol's cumulative-cycles exposure (seed 001)."""
    cohort = getattr(protocol, "cohort", None)
    for exposure in getattr(cohort, "exposures", None) or []:
        if exposure.measure == "cumulative_cycles" and exposure.categories:
            return [c.label for c in exposure.categories], [
                int(c.min) for c in exposure.categories[1:]
            ]
    return None


def fingerprint_of(definition_text: str, engine: Engine, tables: list[str]) -> str:
    """SHA-256 over the definition and the fingerprints of the CDM tables read."""
    digest = hashlib.sha256(definition_text.encode())
    for name in tables:
        digest.update(f"{name}={engine.fingerprints.get(name, '')}".encode())
    return digest.hexdigest()

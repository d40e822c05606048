"""``analyse_study``: the protocol's analysis plan on a study folder, as one Results object."""

from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy

from rtio import __version__
from rtio.analyse import comparative, efficacy
from rtio.analyse.baseline import baseline_table
from rtio.analyse.biomarkers import biomarker_survival, biomarker_tests
from rtio.analyse.cohort import cohort_results, immortal_time_note
from rtio.analyse.derived import Derived, derive_study
from rtio.analyse.results import Meta, Results
from rtio.analyse.safety import safety_tables
from rtio.analyse.survival import compare_groups, summarise_km
from rtio.derive.ctcae import validate_ae_terms
from rtio.derive.lesions_rt import (
    PROGRESSION_CAUSES,
    abscopal_response,
    lesion_trajectories,
    progression_causes,
    progression_field,
)
from rtio.derive.response_endpoints import spider_data, waterfall_data
from rtio.eligibility.profile import trial_profile
from rtio.io import Study, load_study
from rtio.io.outputs import input_hash
from rtio.lookup import by_key
from rtio.stats import binomial_ci, cumulative_incidence, gray_test
from rtio.vocabulary import CONFIRM_MIN_DAYS, DAYS_PER_MONTH, SD_MIN_DAYS


def _meta(study: Study) -> Meta:
    protocol = study.protocol
    return Meta(
        study=str(study.path),
        protocol_id=protocol.id,
        protocol_title=protocol.title,
        design=protocol.design.type,
        rtio_version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        input_sha256=input_hash(Path(study.path)),
        data_cutoff=None
        if study.settings.data_cutoff is None
        else study.settings.data_cutoff.isoformat(),
        synthetic=study.settings.synthetic,
        software={
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "pandas": pd.__version__,
        },
    )


def _population_ids(derived: Derived) -> dict[str, pd.Index]:
    adsl = derived.adsl
    return {
        column.removesuffix("_flag"): pd.Index(adsl.loc[adsl[column].astype(bool), "subject_id"])
        for column in adsl.columns
        if column.endswith("_flag")
    }


def _efficacy(
    results: Results, study: Study, derived: Derived, populations: dict[str, pd.Index]
) -> None:
    adtte = derived.adtte
    efficacy_pops = [p for p in populations if p != "safety"]
    if derived.bor is not None:
        reading = "best overall response (RECIST 1.1, " + (
            "confirmed)" if derived.confirmed else "unconfirmed)"
        )
        after_rt = efficacy.response_after_rt(derived.timepoints, study.table("radiotherapy"), 3)
        for population in efficacy_pops:
            ids = populations[population]
            results.response.append(efficacy.response_block(derived.bor, ids, population, reading))
            if study.table("radiotherapy") is not None:
                results.response.append(
                    efficacy.response_block(
                        after_rt, ids, population, "response 3 months after completing RT"
                    )
                )
    else:
        results.not_available["response"] = "the study has no lesions / measurements tables"
    for population in efficacy_pops:
        rows = adtte[adtte["subject_id"].isin(populations[population])]
        for endpoint in ("PFS", "OS"):
            summary = summarise_km(rows, endpoint, population)
            if summary is not None:
                results.survival.append(summary)
    results.follow_up, results.follow_up_range = efficacy.follow_up(adtte)
    dor = efficacy.duration_of_response(
        adtte, populations.get("ITT", pd.Index(derived.adsl["subject_id"]))
    )
    if dor is not None:
        results.duration_of_response, results.duration_of_response_iqr = dor
    plan = study.protocol.statistical_plan
    if plan and plan.historical_control and plan.historical_control.median_months:
        endpoint = plan.historical_control.endpoint
        ids = populations.get("ITT", pd.Index(derived.adsl["subject_id"]))
        rows = adtte[adtte["subject_id"].isin(ids)]
        if (rows["paramcd"] == endpoint).any():
            results.historical_control = efficacy.historical_comparison(
                rows, endpoint, "ITT", plan.historical_control.median_months, plan.sided or 2
            )


def _figures_data(results: Results, study: Study, derived: Derived) -> None:
    subjects = study.table("subjects")
    if derived.timepoints is not None:
        waterfall = waterfall_data(derived.timepoints).merge(
            derived.bor[["subject_id", "bor"]], on="subject_id", how="left"
        )
        results.figures_data["waterfall"] = waterfall[
            ["subject_id", "best_pct_from_baseline", "bor"]
        ].to_dict(orient="records")
        spider = spider_data(derived.timepoints, subjects)
        results.figures_data["spider"] = spider[
            ["subject_id", "month", "pct_from_baseline"]
        ].to_dict(orient="records")
        adtte = derived.adtte.set_index(["subject_id", "paramcd"])
        swimmer = []
        first_response = derived.timepoints[
            derived.timepoints["overall_response"].isin(["CR", "PR"])
        ]
        first_response = first_response.groupby("subject_id")["assessment_date"].min()
        start = subjects.set_index("subject_id")["start_date"]
        for subject in subjects["subject_id"]:
            os_row = adtte.loc[(subject, "OS")]
            pfs_row = adtte.loc[(subject, "PFS")] if (subject, "PFS") in adtte.index else None
            onset = first_response.get(subject)
            swimmer.append(
                {
                    "subject_id": subject,
                    "os_months": float(os_row["aval_months"]),
                    "dead": bool(os_row["cnsr"] == 0),
                    "pd_months": None
                    if pfs_row is None or pfs_row["cnsr"] == 1
                    else float(pfs_row["aval_months"]),
                    "response_months": None
                    if onset is None
                    else (onset - start[subject]).days / DAYS_PER_MONTH,
                    "bor": derived.bor.set_index("subject_id")["bor"].get(subject, "NE"),
                }
            )
        results.figures_data["swimmer"] = swimmer
    biomarkers = study.table("biomarkers")
    if biomarkers is not None and derived.bor is not None:
        group = biomarkers["subject_id"].map(derived.bor.set_index("subject_id")["bor"])
        data = biomarkers.assign(
            response=np.select([group.isin(["CR", "PR"]), group == "SD"], ["PR/CR", "SD"], "other")
        )
        results.figures_data["biomarkers"] = data[
            ["subject_id", "name", "timepoint", "value", "response"]
        ].to_dict(orient="records")


def _methods(results: Results, derived: Derived) -> list[str]:
    methods = [
        f"Populations were derived from the protocol's rules ({', '.join(f'{k} n = {v}' for k, v in results.populations.items())}).",
        "Tumour response was derived from lesion measurements by RECIST 1.1 (target sums, non-target and new lesions; "
        f"baseline within {derived.baseline_window_days} days before day 1); best overall response "
        + (
            f"required confirmation ≥ {CONFIRM_MIN_DAYS} days later"
            if derived.confirmed
            else "did not require confirmation"
        )
        + f"; SD required ≥ {SD_MIN_DAYS} days from day 1.",
        "ORR and DCR are given with exact Clopper–Pearson 95 % confidence intervals.",
        "PFS (first progression or death) and OS were estimated by the Kaplan–Meier method with log-transformed 95 % CIs "
        "(as R survfit); median CIs invert the pointwise band (Brookmeyer–Crowley, as R quantile.survfit). "
        f"Durations are in months (days / {DAYS_PER_MONTH}). Median follow-up uses the reverse Kaplan–Meier method.",
    ]
    if results.historical_control:
        methods.append(
            "The primary endpoint was compared with the protocol's historical control median by the one-sample "
            "log-rank test (Finkelstein 2003) and an exponential maximum-likelihood test."
        )
    if results.safety:
        methods.append(
            "Adverse events are counted once per patient and term at the worst CTCAE grade; radiotherapy-related "
            "events use the irradiated patients as the denominator."
        )
    if results.biomarker_tests or results.biomarker_survival:
        methods.append(
            "Biomarkers were compared between responders (CR/PR) and stable disease by the two-sided "
            "Mann–Whitney test (exact below 50 per group without ties, as R wilcox.test); high/low groups were "
            "split at the 30th percentile (R quantile type 7; values ≥ the cut-off high) and compared by the "
            "log-rank test. No adjustment was made for multiple comparisons (exploratory)."
        )
    if results.forest:
        methods.append(
            "Arms were compared by Cox proportional-hazards regression (Efron ties) with Wald 95 % CIs."
        )
    if results.cohort:
        methods.append(
            "Exposures that start after the index date were analysed naively, at landmarks (3 and 6 months) and "
            "as time-varying covariates in Cox models on counting-process data."
        )
    software = results.meta.software
    methods.append(
        f"Analyses were run with rtio {results.meta.rtio_version} (Python {software['python']}, numpy "
        f"{software['numpy']}, scipy {software['scipy']}, pandas {software['pandas']}); its statistics are "
        "tested against R survival to 1e-8."
    )
    return methods


def rt_lesion_summary(study: Study, derived: Derived) -> dict:
    """Abscopal responses and the field of first progression (irradiated vs non-irradiated lesions)."""
    trajectories = lesion_trajectories(
        study.table("lesions"),
        study.table("measurements"),
        study.table("subjects"),
        study.table("radiotherapy"),
        derived.baseline_window_days,
    )
    abscopal = abscopal_response(trajectories)
    k, n = int(abscopal["abscopal_response"].sum()), len(abscopal)
    lower, upper = binomial_ci(k, n) if n else (None, None)
    field_table = progression_field(trajectories, derived.timepoints)
    fields = field_table["progression_field"].value_counts()
    return {
        "competing_risks": _progression_incidence(study, derived, field_table),
        "abscopal": {
            "k": k,
            "n": n,
            "lower": lower,
            "upper": upper,
            "definition": abscopal["definition"].iloc[0]
            if n
            else "no irradiated patient had non-irradiated measurable target lesions",
        },
        "progression_field": {str(key): int(value) for key, value in fields.items()},
    }


def _progression_incidence(study: Study, derived: Derived, fields: pd.DataFrame) -> dict:
    """Aalen–Johansen cumulative incidence of each competing first event (in-field / out-of-field
    progression, field undetermined, death) at 6, 12 and 24 months; with two arms, Gray's test of
    each cause between arms."""
    if derived.adtte is None or not (derived.adtte["paramcd"] == "PFS").any():
        return {}
    events = progression_causes(derived.adtte, fields)
    times = [6.0, 12.0, 24.0]
    incidence = cumulative_incidence(events["time"], events["cause"], times)
    out: dict[str, Any] = {
        "n": len(events),
        "times_months": times,
        "incidence": {
            PROGRESSION_CAUSES[int(c[len("cause_") :])]: [float(v) for v in incidence[c]]
            for c in incidence.columns
            if c.startswith("cause_")
        },
        "events": {
            PROGRESSION_CAUSES[int(k)]: int(v)
            for k, v in events["cause"].value_counts().sort_index().items()
            if k > 0
        },
    }
    subjects = study.table("subjects")
    if "arm" in subjects.columns and subjects["arm"].nunique() == 2:
        arm = by_key(events["subject_id"], subjects.set_index("subject_id")["arm"])
        tests = gray_test(events["time"], events["cause"], arm.to_numpy())
        out["gray_test_by_arm"] = {
            PROGRESSION_CAUSES[int(k)]: {
                "statistic": float(r.statistic),
                "p_value": float(r.p_value),
            }
            for k, r in tests.iterrows()
        }
    return out


def analyse_study(path: str | Path) -> Results:
    """Run the protocol's analysis plan on the study folder at ``path``."""
    study = load_study(path)
    derived = derive_study(study)
    populations = _population_ids(derived)
    results = Results(meta=_meta(study), populations={k: len(v) for k, v in populations.items()})
    subjects = study.table("subjects")
    if study.table("screening") is not None:
        results.disposition = trial_profile(
            study.table("screening"), subjects, study.table("radiotherapy"), study.table("events")
        )
    itt = subjects[subjects["subject_id"].isin(populations.get("ITT", subjects["subject_id"]))]
    results.baseline = baseline_table(itt, study.table("lesions"))
    _efficacy(results, study, derived, populations)
    adverse_events = study.table("adverse_events")
    if adverse_events is not None:
        problems = validate_ae_terms(
            adverse_events, study.settings.term_map, study.settings.ctcae_version
        )
        if problems:
            raise ValueError(
                f"{study.path}: adverse-event terms need attention:\n  "
                + "\n  ".join(problems[:20])
            )
        safety_ids = populations.get("safety", pd.Index(subjects["subject_id"]))
        rt = study.table("radiotherapy")
        irradiated = (
            pd.Index(safety_ids.intersection(rt["subject_id"].unique()))
            if rt is not None
            else pd.Index([])
        )
        results.safety = safety_tables(
            adverse_events, safety_ids, irradiated, study.settings.term_map
        )
    else:
        results.not_available["safety"] = "the study has no adverse_events table"
    biomarkers = study.table("biomarkers")
    if biomarkers is not None and derived.bor is not None:
        results.biomarker_tests = biomarker_tests(biomarkers, derived.bor)
        results.biomarker_survival = biomarker_survival(biomarkers, derived.adtte, "ITT")
        results.notes.append(
            "Biomarker analyses are exploratory: no adjustment for multiple comparisons."
        )
    if study.protocol.design.type == "randomized" and subjects["arm"].nunique() == 2:
        arms = sorted(subjects["arm"].unique())
        for endpoint in ("PFS", "OS"):
            comparison = compare_groups(
                derived.adtte,
                endpoint,
                "ITT",
                subjects.set_index("subject_id")["arm"],
                f"{endpoint} by arm",
                strata=(
                    subjects.set_index("subject_id")["stratum"]
                    if "stratum" in subjects.columns
                    else None
                ),
            )
            if comparison is not None:
                results.comparisons.append(comparison)
        primary = (
            study.protocol.statistical_plan.primary_endpoint
            if study.protocol.statistical_plan
            else None
        ) or "PFS"
        primary = primary if (derived.adtte["paramcd"] == primary).any() else "OS"
        results.forest = comparative.forest_rows(derived.adtte, subjects, primary)
        plan = study.protocol.statistical_plan
        margin = plan.non_inferiority_margin.value if plan and plan.non_inferiority_margin else None
        results.non_inferiority = comparative.non_inferiority(results.forest, margin, arms)
    if study.protocol.design.type == "retrospective_cohort":
        results.cohort = cohort_results(study)
        note = immortal_time_note(results.cohort)
        if note:
            results.notes.append(note)
    if derived.timepoints is not None and study.table("radiotherapy") is not None:
        results.rt_lesions = rt_lesion_summary(study, derived)
    _figures_data(results, study, derived)
    results.methods = _methods(results, derived)
    return results

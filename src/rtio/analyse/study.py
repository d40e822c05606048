"""``analyse_study``: the protocol's analysis plan on a study folder, as one Results object.

Each section of Results is the return value of one function of the loaded study and its derived
tables; ``analyse_study`` only composes them.
"""

from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import scipy

from rtio import __version__
from rtio.analyse import efficacy
from rtio.analyse.arms import StudyArms, study_arms
from rtio.analyse.baseline import baseline_table
from rtio.analyse.biomarkers import biomarker_survival, biomarker_tests, paired_tests
from rtio.analyse.cohort import (
    cohort_results,
    exposure_groups,
    immortal_time_note,
    unadjusted_reason,
)
from rtio.analyse.comparative import forest
from rtio.analyse.cutoff import apply_cutoff
from rtio.analyse.derived import Derived, derive_study
from rtio.analyse.deviations import rt_deviations
from rtio.analyse.disposition import disposition, stop_reasons
from rtio.analyse.exposure import exposure
from rtio.analyse.figures_data import figures_data
from rtio.analyse.fit_checks import fit_warnings
from rtio.analyse.interim import interim_analysis
from rtio.analyse.irecist import irecist
from rtio.analyse.methods import methods_text
from rtio.analyse.options import AnalysisOptions
from rtio.analyse.populations import analysis_populations
from rtio.analyse.primary import primary_endpoint, resolve_plan
from rtio.analyse.results import AETable, GroupComparison, Meta, Results, SafetySummaryRow
from rtio.analyse.rt_lesions import rt_lesion_summary
from rtio.analyse.safety import safety_summary, safety_tables
from rtio.analyse.survival import compare_groups, strata_of
from rtio.derive.ctcae import validate_ae_terms
from rtio.io import Study, load_study
from rtio.io.outputs import input_hash
from rtio.lookup import is_in


def study_meta(study: Study, options: AnalysisOptions) -> Meta:
    """What was analysed, when, with which options and software."""
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
        options=options.given(),
    )


def adverse_events_checked(study: Study) -> pd.DataFrame | None:
    """The adverse events, after checking that every term is a CTCAE term (or mapped to one)."""
    adverse_events = study.table("adverse_events")
    if adverse_events is None:
        return None
    problems = validate_ae_terms(
        adverse_events, study.settings.term_map, study.settings.ctcae_version
    )
    if problems:
        raise ValueError(
            f"{study.path}: adverse-event terms need attention:\n  " + "\n  ".join(problems[:20])
        )
    return adverse_events


def _safety_ids(study: Study, populations: dict[str, pd.Index]) -> tuple[pd.Index, pd.Index]:
    subjects = study.tables["subjects"]
    safety_ids = populations.get("safety", pd.Index(subjects["subject_id"]))
    rt = study.table("radiotherapy")
    irradiated = (
        pd.Index(safety_ids.intersection(rt["subject_id"].unique()))
        if rt is not None
        else pd.Index([])
    )
    return safety_ids, irradiated


def adverse_event_tables(
    study: Study, populations: dict[str, pd.Index], arms: StudyArms
) -> list[AETable]:
    """AE tables by worst grade (per arm in a randomized trial)."""
    adverse_events = adverse_events_checked(study)
    if adverse_events is None:
        return []
    safety_ids, irradiated = _safety_ids(study, populations)
    return safety_tables(adverse_events, safety_ids, irradiated, study.settings.term_map, arms)


def adverse_event_overview(
    study: Study, populations: dict[str, pd.Index], arms: StudyArms
) -> list[SafetySummaryRow]:
    """The AE overview rows (per arm in a randomized trial)."""
    adverse_events = study.table("adverse_events")
    if adverse_events is None:
        return []
    safety_ids, _ = _safety_ids(study, populations)
    return safety_summary(
        adverse_events, study.table("events"), safety_ids, study.settings.term_map, arms
    )


def arm_comparisons(
    study: Study,
    derived: Derived,
    populations: dict[str, pd.Index],
    arms: StudyArms,
    options: AnalysisOptions,
    population: str = "ITT",
) -> tuple[list[GroupComparison], list[str]]:
    """PFS and OS of the experimental arm vs the declared reference arm in ``population``,
    stratified by the protocol's stratification factors (or --stratify, assumed) as well; with
    the warnings. Titled "PFS by arm" in the ITT population, else with the population named."""
    if not arms.labels:
        return [], []
    if not arms.comparable or arms.reference is None:
        return [], [f"arms not compared: {arms.problem}"]
    plan = resolve_plan(study, options)
    strata, problem = strata_of(study.tables["subjects"], plan.strata)
    label = " × ".join(plan.strata)
    adtte = derived.adtte[is_in(derived.adtte["subject_id"], populations.get(population, []))]
    named = "" if population == "ITT" else f" ({population.replace('_', '-')} population)"
    comparisons = (
        compare_groups(
            adtte,
            endpoint,
            population,
            arms.of_subject,
            arms.reference,
            [arms.reference, *[a for a in arms.labels if a != arms.reference]],
            f"{endpoint} by arm{named}",
            strata=strata,
            strata_label=label,
            strata_problem=problem,
        )
        for endpoint in ("PFS", "OS")
    )
    return [c for c in comparisons if c is not None], [problem] if problem else []


def _forest(
    study: Study,
    derived: Derived,
    populations: dict[str, pd.Index],
    arms: StudyArms,
    options: AnalysisOptions,
) -> object:
    endpoint = resolve_plan(study, options).endpoint or "PFS"
    if not (derived.adtte["paramcd"] == endpoint).any():
        endpoint = "OS"
    adtte = derived.adtte[is_in(derived.adtte["subject_id"], populations.get("ITT", []))]
    return forest(adtte, study.tables["subjects"], arms, endpoint, "ITT")


def cohort_groups(study: Study) -> tuple[pd.Series | None, list[str], str | None]:
    """A cohort's exposure groups for Table 1: ever irradiated or not (see
    :func:`rtio.analyse.cohort.exposure_groups`)."""
    radiotherapy = study.table("radiotherapy")
    if radiotherapy is None:
        return None, [], None
    ids = study.tables["subjects"]["subject_id"].astype(str)
    return exposure_groups(study.protocol, ids, is_in(ids, radiotherapy["subject_id"].astype(str)))


def analyse_study(path: str | Path, options: AnalysisOptions | None = None) -> Results:
    """Run the protocol's analysis plan on the study folder at ``path`` (a big study laid out in
    subject blocks is loaded and derived one block at a time: :mod:`rtio.pipeline`)."""
    from rtio.io.blocks import subject_blocks

    options = options or AnalysisOptions()
    blocks = subject_blocks(path)
    if blocks is not None:
        from rtio.pipeline import analyse_in_blocks

        return analyse_in_blocks(path, blocks, options)
    return analyse_loaded(load_study(path), options)


def analyse_loaded(
    loaded: Study, options: AnalysisOptions, derived: Derived | None = None
) -> Results:
    """The analysis plan on a loaded study; ``derived``: its tables derived already (as
    :func:`derive_study` of the study at the cut-off), else derived here."""
    study, cutoff_warnings = apply_cutoff(loaded, options.cutoff)
    derived = derive_study(study) if derived is None else derived
    arms = study_arms(study)
    design = study.protocol.design.type
    deviations = rt_deviations(study, arms) if design != "retrospective_cohort" else None
    populations, assumed_populations = analysis_populations(
        study, derived, arms, deviations.subjects if deviations else ()
    )
    subjects = study.tables["subjects"]
    itt_ids = populations.get("ITT", pd.Index(subjects["subject_id"]))
    itt = subjects[is_in(subjects["subject_id"], itt_ids)]
    biomarkers = study.table("biomarkers")
    with_biomarkers = biomarkers is not None and derived.bor is not None
    cohort = cohort_results(study) if design == "retrospective_cohort" else None
    comparisons, comparison_warnings = arm_comparisons(study, derived, populations, arms, options)
    other_comparisons = [
        comparison
        for population in efficacy.efficacy_populations(populations)
        if population != "ITT"
        for comparison in arm_comparisons(study, derived, populations, arms, options, population)[0]
    ]
    groups, order, reference = (
        (arms.of_subject, list(arms.labels), arms.reference)
        if arms.labels
        else cohort_groups(study)
    )
    survival_by_marker, landmarks, skipped = (
        biomarker_survival(study, biomarkers, derived.adtte, itt_ids, "ITT")
        if with_biomarkers and biomarkers is not None
        else ([], [], [])
    )
    safety = adverse_event_tables(study, populations, arms)
    follow_up, follow_up_range = efficacy.follow_up(derived.adtte)
    dor = efficacy.duration_of_response(derived.adtte, itt_ids)
    plan = resolve_plan(study, options)
    results = Results(
        meta=study_meta(study, options),
        populations={k: len(v) for k, v in populations.items()},
        arms=list(arms.info),
        primary_endpoint=primary_endpoint(study, derived, populations, arms, options),
        interim=interim_analysis(study, derived, populations, arms, options),
        disposition=None
        if design == "retrospective_cohort"
        else disposition(
            study, derived, populations, arms, deviations.rt_not_completed if deviations else ()
        ),
        deviations=deviations,
        exposure=exposure(study, arms, stop_reasons(study, derived)),
        irecist=irecist(study, derived, populations),
        baseline=baseline_table(
            itt,
            study.table("lesions"),
            groups,
            order,
            reference,
            smd=design == "retrospective_cohort",
        ),
        response=efficacy.response_blocks(study, derived, populations, arms),
        survival=efficacy.survival_summaries(derived, populations, groups, order),
        follow_up=follow_up,
        follow_up_range=follow_up_range,
        duration_of_response=None if dor is None else dor[0],
        duration_of_response_iqr=None if dor is None else dor[1],
        historical_control=efficacy.historical_control(study, derived, populations),
        safety_summary=adverse_event_overview(study, populations, arms),
        safety=safety,
        biomarker_tests=biomarker_tests(biomarkers, derived.bor)
        if with_biomarkers and biomarkers is not None and derived.bor is not None
        else [],
        biomarker_paired=paired_tests(biomarkers) if biomarkers is not None else [],
        biomarker_landmarks=landmarks,
        biomarker_survival=survival_by_marker,
        comparisons=comparisons,
        comparisons_other_populations=other_comparisons,
        forest=_forest(study, derived, populations, arms, options) if arms.comparable else None,  # type: ignore[arg-type]
        cohort=cohort,
        rt_lesions=rt_lesion_summary(study, derived, arms),
        figures_data=figures_data(study, derived, arms.of_subject if arms.comparable else None),
        not_available={
            **efficacy.unavailable(derived),
            **unadjusted_reason(study, cohort),
            **({} if safety else {"safety": "the study has no adverse_events table"}),
            **{f"biomarker survival ({s.split(':')[0]})": s.split(": ", 1)[1] for s in skipped},
        },
        warnings=[
            *(str(issue) for issue in study.report.warnings),
            *cutoff_warnings,
            *comparison_warnings,
            *plan.ignored,
        ],
        notes=[
            *(
                ["Biomarker analyses are exploratory: no adjustment for multiple comparisons."]
                if with_biomarkers
                else []
            ),
            *([note] if cohort and (note := immortal_time_note(cohort)) else []),
            *[f"Assumed: {text}." for text in assumed_populations],
        ],
    )
    update: dict[str, object] = {
        "methods": methods_text(results, derived),
        "warnings": [*results.warnings, *fit_warnings(results)],
    }
    if results.interim is not None and results.primary_endpoint is not None:
        update["primary_endpoint"] = results.primary_endpoint.model_copy(
            update={
                "statement": results.primary_endpoint.statement
                + f" This cut-off is interim look {results.interim.look}: the decision follows the "
                "group-sequential boundary (see the interim analysis), not the fixed-design interval."
            }
        )
    return results.model_copy(update=update)

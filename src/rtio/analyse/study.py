"""``analyse_study``: the protocol's analysis plan on a study folder, as one Results object.

Each section of Results is the return value of one function of the loaded study and its derived
tables; ``analyse_study`` only composes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import scipy

from rtio import __version__
from rtio.analyse import comparative, efficacy
from rtio.analyse.baseline import baseline_table
from rtio.analyse.biomarkers import biomarker_survival, biomarker_tests
from rtio.analyse.cohort import cohort_results, immortal_time_note
from rtio.analyse.derived import Derived, derive_study
from rtio.analyse.figures_data import figures_data
from rtio.analyse.methods import methods_text
from rtio.analyse.results import (
    AETable,
    Disposition,
    ForestRow,
    GroupComparison,
    Meta,
    Results,
)
from rtio.analyse.rt_lesions import rt_lesion_summary
from rtio.analyse.safety import safety_tables
from rtio.analyse.survival import compare_groups
from rtio.derive.ctcae import validate_ae_terms
from rtio.eligibility.profile import trial_profile
from rtio.io import Study, load_study


def input_hash(folder: Path) -> str:
    """SHA-256 over the study's files (relative path and bytes, in sorted order)."""
    digest = hashlib.sha256()
    for path in sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not p.relative_to(folder).parts[0].startswith("_")
    ):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def study_meta(study: Study) -> Meta:
    """What was analysed, when, and with which software."""
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


def population_ids(derived: Derived) -> dict[str, pd.Index]:
    """Subject ids of each population flagged in ADSL (``<id>_flag``)."""
    adsl = derived.adsl
    return {
        column.removesuffix("_flag"): pd.Index(adsl.loc[adsl[column].astype(bool), "subject_id"])
        for column in adsl.columns
        if column.endswith("_flag")
    }


def disposition(study: Study) -> Disposition | None:
    """The trial profile's numbers, when the study has a screening log."""
    screening = study.table("screening")
    if screening is None:
        return None
    return Disposition.model_validate(
        trial_profile(
            screening,
            study.table("subjects"),
            study.table("radiotherapy"),
            study.table("events"),
        )
    )


def adverse_event_tables(study: Study, populations: dict[str, pd.Index]) -> list[AETable]:
    """AE tables by worst grade; an unknown AE term is an error naming the terms."""
    adverse_events = study.table("adverse_events")
    if adverse_events is None:
        return []
    problems = validate_ae_terms(
        adverse_events, study.settings.term_map, study.settings.ctcae_version
    )
    if problems:
        raise ValueError(
            f"{study.path}: adverse-event terms need attention:\n  " + "\n  ".join(problems[:20])
        )
    subjects = study.table("subjects")
    safety_ids = populations.get("safety", pd.Index(subjects["subject_id"]))
    rt = study.table("radiotherapy")
    irradiated = (
        pd.Index(safety_ids.intersection(rt["subject_id"].unique()))
        if rt is not None
        else pd.Index([])
    )
    return safety_tables(adverse_events, safety_ids, irradiated, study.settings.term_map)


def arm_comparisons(study: Study, derived: Derived) -> list[GroupComparison]:
    """PFS and OS compared between the two arms of a randomized trial (ITT)."""
    subjects = study.table("subjects")
    if study.protocol.design.type != "randomized" or subjects["arm"].nunique() != 2:
        return []
    strata = subjects.set_index("subject_id")["stratum"] if "stratum" in subjects.columns else None
    comparisons = (
        compare_groups(
            derived.adtte,
            endpoint,
            "ITT",
            subjects.set_index("subject_id")["arm"],
            f"{endpoint} by arm",
            strata=strata,
        )
        for endpoint in ("PFS", "OS")
    )
    return [c for c in comparisons if c is not None]


def subgroup_rows(study: Study, derived: Derived) -> list[ForestRow]:
    """Hazard ratios of the arms overall and per subgroup, for the primary endpoint."""
    subjects = study.table("subjects")
    if study.protocol.design.type != "randomized" or subjects["arm"].nunique() != 2:
        return []
    plan = study.protocol.statistical_plan
    primary = (plan.primary_endpoint if plan else None) or "PFS"
    primary = primary if (derived.adtte["paramcd"] == primary).any() else "OS"
    return comparative.forest_rows(derived.adtte, subjects, primary)


def non_inferiority(study: Study, forest: list[ForestRow]) -> str | None:
    """The non-inferiority conclusion of a randomized trial from the overall HR."""
    if not forest:
        return None
    plan = study.protocol.statistical_plan
    margin = plan.non_inferiority_margin.value if plan and plan.non_inferiority_margin else None
    arms = sorted(study.table("subjects")["arm"].unique())
    return comparative.non_inferiority(forest, margin, arms)


def analyse_study(path: str | Path) -> Results:
    """Run the protocol's analysis plan on the study folder at ``path``."""
    study = load_study(path)
    derived = derive_study(study)
    populations = population_ids(derived)
    subjects = study.table("subjects")
    itt = subjects[subjects["subject_id"].isin(populations.get("ITT", subjects["subject_id"]))]
    biomarkers = study.table("biomarkers")
    with_biomarkers = biomarkers is not None and derived.bor is not None
    cohort = cohort_results(study) if study.protocol.design.type == "retrospective_cohort" else None
    forest = subgroup_rows(study, derived)
    safety = adverse_event_tables(study, populations)
    not_available = {
        **efficacy.unavailable(derived),
        **({} if safety else {"safety": "the study has no adverse_events table"}),
    }
    notes = [
        *(
            ["Biomarker analyses are exploratory: no adjustment for multiple comparisons."]
            if with_biomarkers
            else []
        ),
        *filter(None, [cohort and immortal_time_note(cohort)]),
    ]
    follow_up, follow_up_range = efficacy.follow_up(derived.adtte)
    dor = efficacy.duration_of_response(
        derived.adtte, populations.get("ITT", pd.Index(derived.adsl["subject_id"]))
    )
    results = Results(
        meta=study_meta(study),
        populations={k: len(v) for k, v in populations.items()},
        disposition=disposition(study),
        baseline=baseline_table(itt, study.table("lesions")),
        response=efficacy.response_blocks(study, derived, populations),
        survival=efficacy.survival_summaries(derived, populations),
        follow_up=follow_up,
        follow_up_range=follow_up_range,
        duration_of_response=None if dor is None else dor[0],
        duration_of_response_iqr=None if dor is None else dor[1],
        historical_control=efficacy.historical_control(study, derived, populations),
        safety=safety,
        biomarker_tests=biomarker_tests(biomarkers, derived.bor) if with_biomarkers else [],
        biomarker_survival=biomarker_survival(biomarkers, derived.adtte, "ITT")
        if with_biomarkers
        else [],
        comparisons=arm_comparisons(study, derived),
        forest=forest,
        non_inferiority=non_inferiority(study, forest),
        cohort=cohort,
        rt_lesions=rt_lesion_summary(study, derived),
        figures_data=figures_data(study, derived),
        not_available=not_available,
        notes=notes,
    )
    return results.model_copy(update={"methods": methods_text(results, derived)})

"""Build a cohort in an engine: register the CDM, run the extraction plan stage by stage with a
progress bar on a terminal, and check what the study format needs (attrition, doses)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from rtio.rwd.definition import CohortDefinition
from rtio.rwd.engine import Engine
from rtio.rwd.plan import ExtractionPlan, StageSpec, concept_table
from rtio.rwd.sources import register_cdm, resolve_cdm

STUDY_TABLES = {
    "subjects": "study_subjects",
    "exposures": "study_exposures",
    "radiotherapy": "study_radiotherapy",
}
"""Study table -> the engine table that holds it."""


@dataclass
class Attrition:
    """Persons remaining after each eligibility rule, in order."""

    steps: list[tuple[str, int]]

    def as_dict(self) -> list[dict[str, object]]:
        return [{"rule": label, "remaining": n} for label, n in self.steps]


@dataclass
class CohortBuild:
    definition: CohortDefinition
    attrition: Attrition
    n_subjects: int
    reused_stages: list[str]


def run_stages(
    engine: Engine, stages: Sequence[StageSpec], console: Console | None = None
) -> list[str]:
    """Materialise the stages in order, one progress line per stage; returns those reused."""
    console = console or Console(stderr=True)
    reused = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(
        *columns, console=console, disable=not console.is_terminal, transient=False
    ) as bar:
        overall = bar.add_task("cohort stages", total=len(stages))
        for spec in stages:
            task = bar.add_task(f"  {spec.label}", total=1)
            stage = engine.stage(spec.name, spec.build(), spec.inputs)
            if stage.reused:
                reused.append(spec.name)
                bar.update(task, description=f"  {spec.label} (resumed)")
            bar.update(task, completed=1)
            bar.advance(overall)
    return reused


def build_cohort(
    definition: CohortDefinition,
    cdm: Sequence[str | Path],
    engine: Engine,
    schema: str | None = None,
    console: Console | None = None,
) -> CohortBuild:
    """Register the CDM in ``engine`` and build the cohort study tables there."""
    optional = register_cdm(engine, resolve_cdm(cdm, schema))
    engine.upload("rwd_concept_list", concept_table(definition))
    plan = ExtractionPlan(definition, engine, optional)
    reused = run_stages(engine, plan.stages(), console)
    counts = engine.fetch(plan.attrition_sql()).iloc[0]
    steps = [("persons with an index event", int(counts["n0"]))] + [
        (label, int(counts[f"n{k + 1}"])) for k, (label, _) in enumerate(plan.rules())
    ]
    check_study_values(engine)
    return CohortBuild(definition, Attrition(steps), steps[-1][1], reused)


def check_study_values(engine: Engine) -> None:
    """The study format needs a dose for every IO administration and RT course: name the first
    persons without one instead of writing a study that cannot validate."""
    problems = []
    rt = engine.fetch(
        "SELECT subject_id, start_date FROM study_radiotherapy WHERE dose_per_fraction_gy IS NULL "
        "ORDER BY subject_id, start_date LIMIT 5"
    )
    if len(rt):
        first = ", ".join(
            f"person {r.subject_id} course from {r.start_date}" for r in rt.itertuples()
        )
        problems.append(
            f"radiotherapy courses without a dose measurement on their fraction dates ({first}); "
            "give radiotherapy.dose_concept_set the measurement concepts that carry dose per fraction (Gy)"
        )
    io = engine.fetch(
        "SELECT subject_id, date FROM study_exposures WHERE dose IS NULL ORDER BY subject_id, date LIMIT 5"
    )
    if len(io):
        first = ", ".join(f"person {r.subject_id} on {r.date}" for r in io.itertuples())
        problems.append(f"IO administrations without drug_exposure.quantity ({first})")
    if problems:
        raise ValueError("the cohort cannot be written as a study: " + "; ".join(problems))


def write_study(engine: Engine, build: CohortBuild, out: Path) -> Path:
    """Write the cohort study folder (study.yaml + Parquet tables) from the engine's tables."""
    out.mkdir(parents=True, exist_ok=True)
    d = build.definition
    columns = {
        "subjects": "* EXCLUDE (person_id)",
        "exposures": "*",
        "radiotherapy": "*",
    }
    for table, source in STUDY_TABLES.items():
        select = columns[table]
        if table == "subjects" and engine.dialect != "duckdb":
            names = [c for c in engine.columns(source) if c != "person_id"]
            select = ", ".join(names)
        engine.export(
            f"SELECT {select} FROM {source} ORDER BY subject_id", out / f"{table}.parquet"
        )
    settings = {
        "protocol": d.protocol,
        "data_cutoff": None if d.data_cutoff is None else d.data_cutoff.isoformat(),
        "ctcae_version": "5.0",
        "synthetic": d.synthetic,
        "generator": "rtio cohort extract",
        "notes": [
            f"Extracted from an OMOP CDM v{d.cdm_version} by the cohort definition {d.name!r}.",
            "Attrition: " + "; ".join(f"{label}: {n}" for label, n in build.attrition.steps),
        ],
    }
    (out / "study.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
    return out

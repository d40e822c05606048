"""The two cohort commands as functions: extract a study folder, or run the analysis in the engine."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from rtio.analyse.results import Results
from rtio.rwd.definition import load_definition
from rtio.rwd.engine import DEFAULT_MEMORY_LIMIT, open_engine
from rtio.rwd.pipeline import CohortBuild, build_cohort, write_study
from rtio.rwd.results import cohort_results, fingerprint_of
from rtio.rwd.sources import REQUIRED


@dataclass
class EngineOptions:
    """How to run the engine: which one, Spark's master, DuckDB's memory limit and threads."""

    name: str = "duckdb"
    master: str = "local[2]"
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None
    spark_config: dict[str, str] = field(default_factory=dict)
    cdm_schema: str | None = None


def _engine_version(name: str) -> str:
    if name == "duckdb":
        import duckdb

        return f"DuckDB {duckdb.__version__}"
    import pyspark

    return f"Apache Spark {pyspark.__version__}"


def _check_out(out: Path, cdm: Sequence[str | Path]) -> None:
    """Outputs never go into an input folder."""
    target = out.resolve()
    for item in cdm:
        text = str(item)
        if "://" in text or text.startswith("jdbc:"):
            continue
        source = Path(text).resolve()
        folder = source if source.is_dir() else source.parent
        if target == folder or folder in target.parents:
            raise ValueError(f"--out {out} is inside the CDM folder {folder}; write elsewhere")


def extract(
    definition_path: str | Path,
    cdm: Sequence[str | Path],
    out: str | Path,
    options: EngineOptions | None = None,
    work: str | Path | None = None,
    console: Console | None = None,
) -> CohortBuild:
    """``rtio cohort extract``: write the cohort study folder ``out`` (``rtio analyse`` reads it)."""
    options = options or EngineOptions()
    out = Path(out)
    _check_out(out, cdm)
    definition = load_definition(definition_path)
    work = Path(work) if work else out.with_name(out.name + ".stages")
    with open_engine(
        options.name,
        work,
        options.master,
        options.memory_limit,
        options.threads,
        options.spark_config,
    ) as engine:
        build = build_cohort(definition, cdm, engine, options.cdm_schema, console)
        write_study(engine, build, out)
    return build


def run(
    definition_path: str | Path,
    cdm: Sequence[str | Path],
    out: str | Path,
    options: EngineOptions | None = None,
    work: str | Path | None = None,
    console: Console | None = None,
    propensity: bool = False,
) -> Results:
    """``rtio cohort run``: build the cohort and analyse it in the engine; writes OUT/results.json
    (the shape of ``rtio analyse``) and OUT/attrition.json; with ``propensity`` also
    OUT/propensity.json (:func:`rtio.rwd.propensity.landmark_propensity`)."""
    options = options or EngineOptions()
    out = Path(out)
    _check_out(out, cdm)
    definition = load_definition(definition_path)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(work) if work else out / "stages"
    with open_engine(
        options.name,
        work,
        options.master,
        options.memory_limit,
        options.threads,
        options.spark_config,
    ) as engine:
        build = build_cohort(definition, cdm, engine, options.cdm_schema, console)
        source = f"{definition_path} on OMOP CDM {', '.join(str(c) for c in cdm)} ({options.name})"
        results = cohort_results(
            engine,
            definition.protocol,
            definition.data_cutoff,
            definition.synthetic,
            source,
            fingerprint_of(Path(definition_path).read_text(), engine, list(REQUIRED)),
            _engine_version(options.name),
            build.attrition.as_dict(),
        )
        if propensity:
            from rtio.rwd.propensity import landmark_propensity

            model = landmark_propensity(engine)
            _write_atomic(
                out / "propensity.json", json.dumps(model.as_dict(), indent=1, ensure_ascii=False)
            )
    _write_atomic(out / "results.json", results.model_dump_json(indent=1))
    _write_atomic(
        out / "attrition.json", json.dumps(build.attrition.as_dict(), indent=1, ensure_ascii=False)
    )
    return results


def _write_atomic(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)

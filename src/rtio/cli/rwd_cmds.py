"""``rtio cohort extract`` / ``rtio cohort run``: real-world cohorts from an OMOP CDM, and the
OMOP path of ``rtio simulate``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

cohort_app = typer.Typer(
    help="Real-world cohorts from an OMOP CDM (DuckDB embedded, or Spark).", no_args_is_help=True
)

ENGINES = ("duckdb", "spark")


def _options(engine: str, master: str, memory_limit: str, threads: int | None, schema: str | None):
    from rtio.rwd.api import EngineOptions

    if engine not in ENGINES:
        raise typer.BadParameter(f"choose one of {', '.join(ENGINES)}", param_hint="--engine")
    return EngineOptions(engine, master, memory_limit, threads, {}, schema)


CDM_HELP = (
    "OMOP CDM: a folder of Parquet (person.parquet …), Parquet files (a shell glob such as "
    "cdm/*.parquet works), a .duckdb file, or a database URL (postgresql://…; jdbc:… with Spark)."
)


@cohort_app.command("extract")
def extract_cmd(
    definition: Path = typer.Argument(..., help="Cohort definition (YAML)."),
    files: list[str] = typer.Argument(None, hidden=True),
    cdm: list[str] = typer.Option(..., "--cdm", help=CDM_HELP),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (embedded) or spark."),
    out: Path = typer.Option(..., "--out", help="Cohort study folder to write."),
    master: str = typer.Option("local[2]", "--master", help="Spark master (spark://host:7077)."),
    memory_limit: str = typer.Option("8GB", "--memory-limit", help="DuckDB memory limit."),
    threads: int = typer.Option(None, "--threads", help="DuckDB threads (default: all cores)."),
    schema: str = typer.Option(None, "--cdm-schema", help="Database schema of the CDM tables."),
    work: Path = typer.Option(
        None, "--work", help="Stage folder (default: STUDY.stages); a rerun resumes."
    ),
) -> None:
    """Build the cohort in the engine and write it as a study folder (rtio analyse reads it)."""
    from rtio.rwd.api import extract

    build = extract(
        definition,
        [*cdm, *(files or [])],
        out,
        _options(engine, master, memory_limit, threads, schema),
        work,
        Console(stderr=True),
    )
    for label, n in build.attrition.steps:
        typer.echo(f"{n:>10}  {label}")
    typer.echo(f"cohort of {build.n_subjects} persons written to {out}")


@cohort_app.command("run")
def run_cmd(
    definition: Path = typer.Argument(..., help="Cohort definition (YAML)."),
    files: list[str] = typer.Argument(None, hidden=True),
    cdm: list[str] = typer.Option(..., "--cdm", help=CDM_HELP),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (embedded) or spark."),
    out: Path = typer.Option(..., "--out", help="Output folder for results.json."),
    master: str = typer.Option("local[2]", "--master", help="Spark master (spark://host:7077)."),
    memory_limit: str = typer.Option("8GB", "--memory-limit", help="DuckDB memory limit."),
    threads: int = typer.Option(None, "--threads", help="DuckDB threads (default: all cores)."),
    schema: str = typer.Option(None, "--cdm-schema", help="Database schema of the CDM tables."),
    work: Path = typer.Option(
        None, "--work", help="Stage folder (default: OUT/stages); a rerun resumes."
    ),
    propensity: bool = typer.Option(
        False,
        "--propensity",
        help="Also the large-scale propensity analysis (OUT/propensity.json).",
    ),
) -> None:
    """Build the cohort and analyse it inside the engine; writes OUT/results.json."""
    from rtio.rwd.api import run

    results = run(
        definition,
        [*cdm, *(files or [])],
        out,
        _options(engine, master, memory_limit, threads, schema),
        work,
        Console(stderr=True),
        propensity,
    )
    local_rt = results.cohort.local_rt if results.cohort else None
    if local_rt is not None and local_rt.time_varying_hr is not None:
        hr = local_rt.time_varying_hr.hazard_ratio
        if hr.value is not None and hr.lower is not None and hr.upper is not None:
            typer.echo(
                f"local_rt: time-varying HR {hr.group} vs {hr.reference} {hr.value:.3f} "
                f"({hr.lower:.3f}–{hr.upper:.3f})"
            )
    typer.echo(f"results: {out / 'results.json'}")


def simulate_omop(persons: int | None, seed: int, out: Path) -> None:
    """``rtio simulate --format omop``: a synthetic OMOP CDM (Parquet) and its cohort.yaml."""
    from rich.progress import Progress

    from rtio.rwd.simulate import write_omop

    if persons is None:
        raise typer.BadParameter("give the number of persons", param_hint="--persons")
    console = Console(stderr=True)
    with Progress(console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task("simulating OMOP persons", total=persons)
        folder = write_omop(out, persons, seed, progress=lambda k: bar.advance(task, k))
    typer.echo(
        f"simulated an OMOP CDM of {persons} persons (seed {seed}) into {folder}; cohort definition {folder / 'cohort.yaml'}"
    )

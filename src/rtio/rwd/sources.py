"""Where the OMOP CDM tables come from: Parquet files, a DuckDB database, or a database URL.

``--cdm`` takes a folder (``person.parquet`` … or ``person/`` folders of parts), a list or glob of
Parquet files named after their tables, a ``.duckdb`` file, or a SQLAlchemy / DB-API URL
(``postgresql://user@host/db``); for Spark also a ``jdbc:`` URL. Each table is checked for the
OMOP CDM v5.4 columns rtio reads, and a missing table or column is named.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rtio.rwd.engine import DuckDBEngine, Engine, SparkEngine

REQUIRED: dict[str, tuple[str, ...]] = {
    "person": ("person_id", "gender_concept_id", "year_of_birth"),
    "observation_period": (
        "person_id",
        "observation_period_start_date",
        "observation_period_end_date",
    ),
    "condition_occurrence": ("person_id", "condition_concept_id", "condition_start_date"),
    "drug_exposure": ("person_id", "drug_concept_id", "drug_exposure_start_date"),
    "procedure_occurrence": ("person_id", "procedure_concept_id", "procedure_date"),
    "measurement": ("person_id", "measurement_concept_id", "measurement_date", "value_as_number"),
    "death": ("person_id", "death_date"),
}
"""The OMOP CDM v5.4 tables and columns a cohort needs."""
OPTIONAL: dict[str, tuple[str, ...]] = {
    "concept_ancestor": ("ancestor_concept_id", "descendant_concept_id"),
    "episode": (
        "episode_id",
        "person_id",
        "episode_concept_id",
        "episode_start_date",
        "episode_end_date",
        "episode_object_concept_id",
    ),
}
"""Read when present: the vocabulary's ancestry (concept-set descendants) and the Oncology
extension's episodes (radiotherapy courses)."""
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("month_of_birth", "day_of_birth"),
    "drug_exposure": ("quantity",),
}


@dataclass(frozen=True)
class CdmSource:
    """A resolved ``--cdm``: Parquet files per table, a DuckDB file, or a URL."""

    kind: str
    tables: dict[str, list[Path]]
    location: str
    schema: str | None = None

    def fingerprint(self, table: str) -> str:
        digest = hashlib.sha256(f"{self.kind}:{self.location}:{table}".encode())
        for path in self.tables.get(table, []):
            for file in sorted(path.rglob("*.parquet")) if path.is_dir() else [path]:
                stat = file.stat()
                digest.update(f"{file}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        return digest.hexdigest()


def _table_name(path: Path) -> str:
    name = path.name
    return name[: -len(".parquet")] if name.endswith(".parquet") else name


def resolve_cdm(cdm: Sequence[str | Path], schema: str | None = None) -> CdmSource:
    """Resolve the ``--cdm`` arguments (see the module docstring)."""
    items = [str(c) for c in cdm]
    if not items:
        raise ValueError("--cdm: give a folder, Parquet files, a .duckdb file or a database URL")
    if (len(items) == 1 and "://" in items[0]) or items[0].startswith("jdbc:"):
        if len(items) > 1:
            raise ValueError("--cdm: a database URL comes alone")
        return CdmSource("url", {}, items[0], schema)
    if len(items) == 1 and items[0].endswith((".duckdb", ".db")):
        if not Path(items[0]).is_file():
            raise ValueError(f"--cdm: DuckDB file {items[0]} does not exist")
        return CdmSource("duckdb", {}, str(Path(items[0]).resolve()), schema)
    paths: list[Path] = []
    for item in items:
        matches = sorted(glob.glob(item)) if any(ch in item for ch in "*?[") else [item]
        if not matches:
            raise ValueError(f"--cdm: nothing matches {item}")
        for match in matches:
            path = Path(match)
            if not path.exists():
                raise ValueError(f"--cdm: {path} does not exist")
            if (
                path.is_dir()
                and not path.name.endswith(".parquet")
                and _table_name(path) not in REQUIRED | OPTIONAL
            ):
                paths.extend(sorted(path.iterdir()))
            else:
                paths.append(path)
    tables: dict[str, list[Path]] = {}
    for path in paths:
        if path.name.startswith((".", "_")) or not (path.suffix == ".parquet" or path.is_dir()):
            continue
        tables.setdefault(_table_name(path), []).append(path.resolve())
    return CdmSource("parquet", tables, ";".join(items), schema)


def register_cdm(engine: Engine, source: CdmSource) -> list[str]:
    """Register the CDM tables in ``engine`` as views named after the OMOP tables; returns the
    optional tables found. Missing tables or columns raise an error naming them."""
    wanted = REQUIRED | OPTIONAL
    if source.kind == "parquet":
        missing = [t for t in REQUIRED if t not in source.tables]
        if missing:
            raise ValueError(
                f"OMOP CDM at {source.location}: no Parquet for table(s) {', '.join(missing)}"
            )
        for table in wanted:
            if table in source.tables:
                engine._register_parquet(table, source.tables[table])
                engine.source(table, source.fingerprint(table))
    elif source.kind == "duckdb":
        if not isinstance(engine, DuckDBEngine):
            raise ValueError("--cdm: a DuckDB file is read by the duckdb engine only")
        engine.connection.execute(f"ATTACH '{source.location}' AS cdm (READ_ONLY)")
        schema = source.schema or "main"
        present = {
            row[0]
            for row in engine.connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'cdm' "
                f"AND table_schema = '{schema}'"
            ).fetchall()
        }
        for table in wanted:
            if table in present:
                engine.register_relation(table, f"SELECT * FROM cdm.{schema}.{table}")
                engine.source(
                    table, source.fingerprint(table) + str(Path(source.location).stat().st_mtime_ns)
                )
    elif source.location.startswith("jdbc:"):
        if not isinstance(engine, SparkEngine):
            raise ValueError(
                "--cdm: a jdbc: URL is read by the spark engine; use a SQLAlchemy URL with duckdb"
            )
        prefix = f"{source.schema}." if source.schema else ""
        for table in wanted:
            try:
                engine.register_jdbc(table, source.location, prefix + table, {})
            except Exception:
                if table in REQUIRED:
                    raise
                continue
            engine.source(table, source.fingerprint(table))
    else:
        if not isinstance(engine, DuckDBEngine):
            raise ValueError(
                "--cdm: a SQLAlchemy URL is read by the duckdb engine; for Spark use jdbc:"
            )
        from rtio.rwd.database import copy_from_database

        copy_from_database(
            engine, source.location, source.schema, REQUIRED, OPTIONAL, OPTIONAL_COLUMNS
        )
    return check_columns(engine, source.location)


def check_columns(engine: Engine, location: str) -> list[str]:
    """Every required table with its required columns; returns the optional tables present."""
    problems = []
    for table, columns in REQUIRED.items():
        if not engine.has_table(table):
            problems.append(f"table {table} is missing")
            continue
        have = {c.lower() for c in engine.columns(table)}
        lacking = [c for c in columns if c not in have]
        if lacking:
            problems.append(f"table {table} lacks column(s) {', '.join(lacking)}")
    optional = []
    for table, columns in OPTIONAL.items():
        if engine.has_table(table):
            have = {c.lower() for c in engine.columns(table)}
            lacking = [c for c in columns if c not in have]
            if lacking:
                problems.append(f"table {table} lacks column(s) {', '.join(lacking)}")
            optional.append(table)
    if problems:
        raise ValueError(f"OMOP CDM at {location}: " + "; ".join(problems))
    return optional


def optional_columns(engine: Engine, table: str) -> set[str]:
    """The optional columns of ``table`` that the CDM has (e.g. person.month_of_birth)."""
    have = {c.lower() for c in engine.columns(table)}
    return {c for c in OPTIONAL_COLUMNS.get(table, ()) if c in have}

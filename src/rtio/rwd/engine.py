"""Query engines: DuckDB embedded (default) and Apache Spark, behind one interface.

Every query of :mod:`rtio.rwd` is written once, in DuckDB's SQL dialect, and SQLGlot transpiles it
for Spark, so the two backends run one query plan. Each stage of a plan is written as Parquet under
a work folder with a fingerprint of its query and inputs; a rerun reuses the stages already written
(a failed run resumes where it stopped). Only aggregates come back to Python: :meth:`Engine.fetch`
refuses results larger than ``max_rows``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlglot

DEFAULT_MEMORY_LIMIT = "8GB"
"""DuckDB's memory limit unless the caller gives one (DESIGN: DuckDB runs with a memory limit)."""
MAX_FETCH_ROWS = 2_000_000
"""Largest result :meth:`Engine.fetch` brings into Python: aggregates, never patient rows."""


class EngineError(RuntimeError):
    """A query failed or returned more than an aggregate."""


@dataclass
class Stage:
    """One materialised step of a plan: its name, fingerprint and where its Parquet lives."""

    name: str
    fingerprint: str
    path: Path
    reused: bool


@dataclass
class Engine:
    """Common machinery; subclasses implement the five primitives at the bottom."""

    work: Path
    progress: Any = None
    stages: dict[str, Stage] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    dialect: str = "duckdb"

    def translate(self, sql: str) -> str:
        """The query in this engine's dialect (written once, in DuckDB's)."""
        if self.dialect == "duckdb":
            return sql
        return ";\n".join(sqlglot.transpile(sql, read="duckdb", write=self.dialect))

    def source(self, name: str, fingerprint: str) -> None:
        """Record the fingerprint of an input table (its files' names, sizes and times)."""
        self.fingerprints[name] = fingerprint

    def stage(self, name: str, sql: str, inputs: Sequence[str]) -> Stage:
        """Materialise ``sql`` as table ``name`` (Parquet under the work folder), or reuse it.

        The fingerprint covers the query and the fingerprints of ``inputs``; a stage whose Parquet
        and fingerprint are already there is not run again.
        """
        digest = hashlib.sha256(sql.encode())
        for input_name in inputs:
            if input_name not in self.fingerprints:
                raise EngineError(f"stage {name}: input {input_name!r} is not registered")
            digest.update(f"{input_name}={self.fingerprints[input_name]}".encode())
        fingerprint = digest.hexdigest()
        path = self.work / f"{name}.parquet"
        marker = self.work / f"{name}.sha256"
        reused = path.exists() and marker.exists() and marker.read_text() == fingerprint
        if not reused:
            marker.unlink(missing_ok=True)
            partial = self.work / f".{name}.partial.parquet"
            _remove(partial)
            self._write_parquet(self.translate(sql), partial)
            _remove(path)
            os.replace(partial, path)
            marker.write_text(fingerprint)
        self._register_parquet(name, [path])
        self.fingerprints[name] = fingerprint
        stage = Stage(name, fingerprint, path, reused)
        self.stages[name] = stage
        return stage

    def fetch(self, sql: str, max_rows: int = MAX_FETCH_ROWS) -> pd.DataFrame:
        """An aggregate as a pandas frame; more than ``max_rows`` rows is an error."""
        frame = self._fetch(self.translate(sql), max_rows + 1)
        if len(frame) > max_rows:
            raise EngineError(
                f"a query returned more than {max_rows} rows; rtio.rwd brings back aggregates only"
            )
        return frame

    def upload(self, name: str, frame: pd.DataFrame) -> None:
        """Register a small frame computed in Python (concept sets, per-time lookups, weights)."""
        digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        digest.update(",".join(map(str, frame.columns)).encode())
        self._upload(name, frame)
        self.fingerprints[name] = digest.hexdigest()

    def export(self, sql: str, path: Path) -> None:
        """Write a query's rows to one Parquet file (or a folder of parts), never through Python."""
        partial = path.with_name(f".{path.name}.partial")
        _remove(partial)
        self._write_parquet(self.translate(sql), partial)
        _remove(path)
        os.replace(partial, path)

    def has_table(self, name: str) -> bool:
        return name in self.fingerprints

    # ---- primitives of a backend ----
    def _register_parquet(self, name: str, paths: Sequence[Path]) -> None:
        raise NotImplementedError

    def _write_parquet(self, sql: str, path: Path) -> None:
        raise NotImplementedError

    def _fetch(self, sql: str, limit: int) -> pd.DataFrame:
        raise NotImplementedError

    def _upload(self, name: str, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def columns(self, name: str) -> list[str]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


class DuckDBEngine(Engine):
    """DuckDB in-process, with a memory limit and spilling to the work folder."""

    def __init__(
        self,
        work: Path,
        memory_limit: str = DEFAULT_MEMORY_LIMIT,
        threads: int | None = None,
        database: str = ":memory:",
        progress: Any = None,
    ) -> None:
        try:
            import duckdb
        except ImportError:
            raise EngineError("the DuckDB engine needs DuckDB: pip install 'rtio[rwd]'") from None

        super().__init__(work=work, progress=progress, dialect="duckdb")
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": memory_limit,
            "temp_directory": str(work / ".spill"),
            "preserve_insertion_order": "false",
        }
        if threads:
            config["threads"] = str(threads)
        self.connection = duckdb.connect(database, config=config)

    def _register_parquet(self, name: str, paths: Sequence[Path]) -> None:
        files = ", ".join(_quote(_parquet_glob(p)) for p in paths)
        self.connection.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{files}])"
        )

    def register_relation(self, name: str, sql: str) -> None:
        """A view over another database attached to this connection (DuckDB files, copies)."""
        self.connection.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")

    def _write_parquet(self, sql: str, path: Path) -> None:
        try:
            self.connection.execute(
                f"COPY ({sql}) TO {_quote(str(path))} (FORMAT parquet, COMPRESSION zstd)"
            )
        except Exception as exc:
            raise EngineError(f"DuckDB: {exc}") from None

    def _fetch(self, sql: str, limit: int) -> pd.DataFrame:
        try:
            return self.connection.execute(f"SELECT * FROM ({sql}) LIMIT {limit}").df()
        except Exception as exc:
            raise EngineError(f"DuckDB: {exc}") from None

    def _upload(self, name: str, frame: pd.DataFrame) -> None:
        self.connection.register(f"_{name}_frame", frame)
        self.connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}_frame")
        self.connection.unregister(f"_{name}_frame")

    def columns(self, name: str) -> list[str]:
        return [row[0] for row in self.connection.execute(f"DESCRIBE {name}").fetchall()]

    def close(self) -> None:
        self.connection.close()


class SparkEngine(Engine):
    """Apache Spark through PySpark: ``local[2]`` for tests, ``spark://host:7077`` for a cluster."""

    def __init__(
        self,
        work: Path,
        master: str = "local[2]",
        config: dict[str, str] | None = None,
        progress: Any = None,
    ) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineError(
                "the Spark engine needs PySpark: pip install 'rtio[spark]' (and Java 17)"
            ) from None
        super().__init__(work=work, progress=progress, dialect="spark")
        builder = (
            SparkSession.builder.master(master)
            .appName("rtio-rwd")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "2" if master.startswith("local") else "200")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.ansi.enabled", "false")
        )
        for key, value in (config or {}).items():
            builder = builder.config(key, value)
        self.spark = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")

    def _register_parquet(self, name: str, paths: Sequence[Path]) -> None:
        frame = self.spark.read.parquet(*[str(p) for p in paths])
        frame.createOrReplaceTempView(name)

    def register_jdbc(self, name: str, url: str, table: str, properties: dict[str, str]) -> None:
        """A table of a database reached through JDBC (the driver jar must be on Spark's class path)."""
        self.spark.read.jdbc(url, table, properties=properties).createOrReplaceTempView(name)

    def _write_parquet(self, sql: str, path: Path) -> None:
        try:
            self.spark.sql(sql).write.mode("overwrite").parquet(str(path))
        except Exception as exc:
            raise EngineError(f"Spark: {str(exc).splitlines()[0]}") from None
        for extra in list(path.glob("_*")) + list(path.glob(".*.crc")):
            extra.unlink()

    def _fetch(self, sql: str, limit: int) -> pd.DataFrame:
        try:
            rows = self.spark.sql(sql).limit(limit)
            return rows.toPandas()
        except Exception as exc:
            raise EngineError(f"Spark: {str(exc).splitlines()[0]}") from None

    def _upload(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def columns(self, name: str) -> list[str]:
        return list(self.spark.table(name).columns)

    def close(self) -> None:
        for name in list(self.spark.catalog.listTables()):
            if name.isTemporary:
                self.spark.catalog.dropTempView(name.name)


def _parquet_glob(path: Path) -> str:
    return str(path / "*.parquet") if path.is_dir() else str(path)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def open_engine(
    name: str,
    work: Path | None = None,
    master: str = "local[2]",
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int | None = None,
    spark_config: dict[str, str] | None = None,
) -> Iterator[Engine]:
    """An engine over a work folder (a temporary one when ``work`` is None)."""
    temporary = work is None
    folder = Path(tempfile.mkdtemp(prefix="rtio-rwd-")) if work is None else Path(work)
    folder.mkdir(parents=True, exist_ok=True)
    engine: Engine
    if name == "duckdb":
        engine = DuckDBEngine(folder, memory_limit=memory_limit, threads=threads)
    elif name == "spark":
        engine = SparkEngine(folder, master=master, config=spark_config)
    else:
        raise ValueError(f"engine must be 'duckdb' or 'spark', not {name!r}")
    try:
        yield engine
    finally:
        engine.close()
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)

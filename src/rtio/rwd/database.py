"""Reading an OMOP CDM from any database with a SQLAlchemy URL into the embedded DuckDB engine.

Only the columns rtio reads are copied, in chunks of rows streamed as Arrow batches into DuckDB
tables (memory bounded by the chunk size), so the cohort is built next to the data the same way for
every database SQLAlchemy reaches (PostgreSQL, SQL Server, Oracle, SQLite, ...).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from rtio.rwd.engine import DuckDBEngine

CHUNK_ROWS = 500_000


def copy_from_database(
    engine: DuckDBEngine,
    url: str,
    schema: str | None,
    required: dict[str, tuple[str, ...]],
    optional: dict[str, tuple[str, ...]],
    optional_columns: dict[str, tuple[str, ...]],
) -> None:
    """Copy the CDM tables' needed columns from ``url`` into DuckDB tables of the same names."""
    import sqlalchemy as sa

    db = sa.create_engine(url)
    inspector = sa.inspect(db)
    present = {name.lower(): name for name in inspector.get_table_names(schema=schema)}
    for table, columns in (required | optional).items():
        if table not in present:
            if table in required:
                raise ValueError(f"OMOP CDM at {url}: table {table} is missing")
            continue
        real = present[table]
        have = {c["name"].lower(): c["name"] for c in inspector.get_columns(real, schema=schema)}
        lacking = [c for c in columns if c not in have]
        if lacking:
            raise ValueError(
                f"OMOP CDM at {url}: table {table} lacks column(s) {', '.join(lacking)}"
            )
        wanted = list(columns) + [c for c in optional_columns.get(table, ()) if c in have]
        selected: Any = sa.select(*[sa.column(have[c]).label(c) for c in wanted]).select_from(
            sa.table(real, schema=schema)
        )
        first = True
        with db.connect() as connection:
            result = connection.execution_options(stream_results=True).execute(selected)
            while True:
                rows = result.fetchmany(CHUNK_ROWS)
                if not rows and not first:
                    break
                chunk = pd.DataFrame(rows, columns=wanted)
                for column in wanted:
                    if column.endswith("_date"):
                        chunk[column] = pd.to_datetime(chunk[column]).dt.date
                engine.connection.register("_chunk", chunk)
                if first:
                    engine.connection.execute(
                        f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _chunk"
                    )
                    first = False
                else:
                    engine.connection.execute(f"INSERT INTO {table} SELECT * FROM _chunk")
                engine.connection.unregister("_chunk")
                if not rows:
                    break
        engine.source(table, f"{url}:{schema}:{table}")
    db.dispose()

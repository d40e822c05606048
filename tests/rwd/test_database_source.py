"""An OMOP CDM in PostgreSQL, read through its SQLAlchemy URL, gives the same cohort study as the
same CDM read from Parquet."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest

from rtio.rwd.api import extract


@pytest.fixture
def cdm_database(postgres_url, omop_cdm):
    sqlalchemy = pytest.importorskip("sqlalchemy")
    pytest.importorskip("psycopg")
    admin_url = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"rtio_omop_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    db = sqlalchemy.create_engine(url)
    for path in sorted(omop_cdm.glob("*.parquet")):
        pd.read_parquet(path).to_sql(path.stem, db, index=False, chunksize=5_000, method="multi")
    db.dispose()
    yield url
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


def test_postgresql_url_equals_parquet(cdm_database, omop_cdm, tmp_path) -> None:
    from_db = extract(omop_cdm / "cohort.yaml", [cdm_database], tmp_path / "from_db")
    from_files = extract(omop_cdm / "cohort.yaml", [omop_cdm], tmp_path / "from_files")
    assert from_db.attrition == from_files.attrition
    for table in ("subjects", "exposures", "radiotherapy"):
        a = pd.read_parquet(tmp_path / "from_db" / f"{table}.parquet")
        b = pd.read_parquet(tmp_path / "from_files" / f"{table}.parquet")
        keys = [c for c in ("subject_id", "date", "start_date") if c in a]
        a = a.sort_values(keys).reset_index(drop=True)
        b = b.sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False)

"""CDISC Dataset-JSON v1.1: documents built from a frame and its metadata, read back, and validated.

The JSON schema (``data/dataset-json-1.1.schema.json``) is shipped with rtio, written from the
structure the v1.1 specification publishes (top-level attributes, column metadata, rows as arrays in
column order). Beyond the schema, a document must say as many ``records`` as it has rows and every
row must have one value per column. Analysis dates (ADaM) are exchanged as ISO 8601 strings with
``targetDataType`` "integer" and display format ``E8601DA.``, as the specification describes.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtio import __version__

if TYPE_CHECKING:
    from rtio.interop.datasets import DatasetSpec

VERSION = "1.1.0"
_DATA_TYPES = {
    "text": "string",
    "integer": "integer",
    "float": "double",
    "date": "date",
    "dtc": "date",
}


class DatasetJSONError(ValueError):
    """A Dataset-JSON document that breaks the v1.1 schema or its row rules."""


@cache
def dataset_json_schema() -> dict[str, Any]:
    """The Dataset-JSON v1.1 JSON schema shipped with rtio."""
    text = resources.files("rtio.interop").joinpath("data/dataset-json-1.1.schema.json").read_text()
    return json.loads(text)


def validate_dataset_json(document: dict[str, Any], source: str = "document") -> None:
    """Raise :class:`DatasetJSONError` listing every schema violation (with its JSON path), and
    check that ``records`` equals the number of rows and each row has one value per column."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(dataset_json_schema())
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]
    rows = document.get("rows")
    columns = document.get("columns")
    if (
        isinstance(rows, list)
        and isinstance(document.get("records"), int)
        and document["records"] != len(rows)
    ):
        problems.append(f"records is {document['records']} but there are {len(rows)} rows")
    if isinstance(rows, list) and isinstance(columns, list):
        for i, row in enumerate(rows):
            if isinstance(row, list) and len(row) != len(columns):
                problems.append(f"rows/{i}: {len(row)} values for {len(columns)} columns")
                break
    if problems:
        raise DatasetJSONError(
            f"{source}: not valid Dataset-JSON v1.1: " + "; ".join(problems[:20])
        )


def _json_value(value: Any, kind: str) -> object:
    """One cell of an object column (any Python, numpy or pandas scalar) as its JSON value."""
    if (
        value is None
        or value is pd.NaT
        or value is pd.NA
        or (isinstance(value, float) and np.isnan(value))
    ):
        return None
    if kind == "date":
        return pd.Timestamp(value).date().isoformat()
    if kind == "integer":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def _column(spec: DatasetSpec, index: int) -> dict[str, Any]:
    var = spec.variables[index]
    column: dict[str, Any] = {
        "itemOID": f"IT.{spec.name}.{var.name}",
        "name": var.name,
        "label": var.label,
        "dataType": _DATA_TYPES[var.kind],
    }
    if var.kind == "date":
        column["targetDataType"] = "integer"
        column["displayFormat"] = "E8601DA."
    if var.name in spec.keys:
        column["keySequence"] = spec.keys.index(var.name) + 1
    return column


def dataset_json_document(
    frame: pd.DataFrame, spec: DatasetSpec, *, study_oid: str, metadata_ref: str | None = None
) -> dict[str, Any]:
    """A Dataset-JSON v1.1 document of ``frame`` (its columns in ``spec`` order)."""
    kinds = [v.kind for v in spec.variables]
    columns = [frame[v.name].astype(object).to_numpy() for v in spec.variables]
    rows = [
        [_json_value(col[i], kind) for col, kind in zip(columns, kinds, strict=True)]
        for i in range(len(frame))
    ]
    document: dict[str, Any] = {
        "datasetJSONCreationDateTime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "datasetJSONVersion": VERSION,
        "originator": "rtio",
        "sourceSystem": {"name": "rtio", "version": __version__},
        "studyOID": study_oid,
    }
    if metadata_ref:
        document["metaDataRef"] = metadata_ref
    document.update(
        {
            "itemGroupOID": f"IG.{spec.name}",
            "records": len(rows),
            "name": spec.name,
            "label": spec.label,
            "columns": [_column(spec, i) for i in range(len(spec.variables))],
            "rows": rows,
        }
    )
    return document


def read_dataset_json(path: Path) -> tuple[pd.DataFrame, dict[str, str], str]:
    """Read a Dataset-JSON v1.1 file (.json, or .ndjson: metadata line then one row per line),
    validated against the schema first; returns (frame, labels by name, dataset name)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".ndjson":
        lines = [line for line in text.splitlines() if line.strip()]
        document = json.loads(lines[0]) if lines else {}
        document["rows"] = [json.loads(line) for line in lines[1:]]
    else:
        document = json.loads(text)
    validate_dataset_json(document, source=path.name)
    names = [c["name"].upper() for c in document["columns"]]
    frame = pd.DataFrame(document.get("rows", []), columns=names, dtype=object)
    labels = {c["name"].upper(): c["label"] for c in document["columns"]}
    return frame, labels, str(document["name"])

"""``define.json``: a define-style description of the datasets written beside it.

For each dataset: name, label, structure, keys, file, record count, and each variable's name,
label, data type, length (the longest value written, for text), origin, codelist and note. Codelists
list the values a coded variable takes, with their decodes. It carries what Define-XML's
ItemGroupDef / ItemDef / CodeList hold, in JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from rtio import __version__
from rtio.interop.datasets import DatasetSpec, _atomic

DEFINE_FILE = "define.json"
_TYPES = {"text": "text", "integer": "integer", "float": "float", "date": "date", "dtc": "datetime"}


def _length(values: pd.Series) -> int | None:
    text = values.dropna().astype(str)
    text = text[text != ""]
    return int(text.map(lambda v: len(v.encode("utf-8"))).max()) if len(text) else None


def define_document(
    study_id: str,
    standard: str,
    written: Mapping[str, tuple[DatasetSpec, pd.DataFrame, Path]],
    codelists: Mapping[str, Mapping[str, str]],
    fmt: str,
) -> dict[str, Any]:
    """The define.json content for the datasets ``written`` (name -> (spec, frame, path))."""
    datasets = []
    used: set[str] = set()
    for spec, frame, path in written.values():
        variables = []
        for var in spec.variables:
            entry: dict[str, Any] = {
                "name": var.name,
                "label": var.label,
                "dataType": _TYPES[var.kind],
                "origin": var.origin,
            }
            if var.kind in ("text", "dtc"):
                entry["length"] = _length(frame[var.name])
            if var.kind == "date":
                entry["displayFormat"] = "DATE9." if fmt == "xpt" else "E8601DA."
            if var.codelist:
                entry["codelist"] = var.codelist
                used.add(var.codelist)
            if var.note:
                entry["note"] = var.note
            variables.append(entry)
        datasets.append(
            {
                "name": spec.name,
                "label": spec.label,
                "structure": spec.structure,
                "keys": list(spec.keys),
                "file": path.name,
                "records": len(frame),
                "variables": variables,
            }
        )
    return {
        "study": study_id,
        "standard": standard,
        "format": fmt,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generator": f"rtio {__version__}",
        "datasets": datasets,
        "codelists": [
            {"id": name, "items": [{"code": c, "decode": d} for c, d in codelists[name].items()]}
            for name in sorted(used)
            if name in codelists
        ],
    }


def write_define(folder: Path, document: Mapping[str, Any]) -> Path:
    """Write ``define.json`` in ``folder`` (atomically)."""
    path = folder / DEFINE_FILE
    return _atomic(path, lambda p: p.write_text(json.dumps(document, indent=1, ensure_ascii=False)))


def write_exchange_folder(
    out: Path,
    datasets: Mapping[str, tuple[DatasetSpec, pd.DataFrame]],
    *,
    fmt: str,
    study_id: str,
    standard: str,
    codelists: Mapping[str, Mapping[str, str]],
    command: str,
    study: Path,
) -> list[Path]:
    """Write datasets (one file each) and define.json into ``out`` as one atomic folder (with
    rtio's manifest.json); returns the paths of the datasets and define.json as they end up."""
    from rtio.interop.datasets import write_dataset
    from rtio.io.outputs import manifest, output_folder

    record = manifest(command, {"format": fmt}, study)
    names = []
    with output_folder(out, record) as staging:
        written = {}
        for name, (spec, frame) in datasets.items():
            path = write_dataset(
                frame, spec, staging, fmt, study_oid=study_id, metadata_ref=DEFINE_FILE
            )
            written[name] = (spec, frame, path)
            names.append(path.name)
        write_define(staging, define_document(study_id, standard, written, codelists, fmt))
    return [out / n for n in names] + [out / DEFINE_FILE]

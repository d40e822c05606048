"""The files rtio writes, read back by readers rtio did not write: SAS transport (XPT v5) by R's
haven::read_xpt and foreign::read.xport, Dataset-JSON by the v1.1 JSON schema (jsonschema)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from rtio.interop import export_sdtm
from rtio.interop.datasetjson import DatasetJSONError, dataset_json_schema, validate_dataset_json
from rtio.interop.datasets import (
    DatasetSpec,
    ExchangeFormatError,
    Variable,
    read_dataset,
    write_dataset,
)
from rtio.interop.sdtm import _with_codelists
from rtio.interop.sdtm.export import export_sdtm_domains
from rtio.io import load_study

R_SCRIPT = Path(__file__).parents[1] / "reference" / "interop" / "read_xpt.R"


def read_with_r(rscript: str, folder: Path, tmp_path: Path) -> dict:
    out = tmp_path / "r.json"
    subprocess.run([rscript, str(R_SCRIPT), str(folder), str(out)], check=True, capture_output=True)
    return json.loads(out.read_text())


def _texts(values: pd.Series, kind: str) -> list[str | None]:
    if kind in ("integer", "float"):
        return [None if pd.isna(v) else float(v) for v in values]
    return [None if v is None or v == "" else str(v) for v in values]


def _r_values(values, rows: int, kind: str) -> list:
    values = values if isinstance(values, list) else [values] * rows
    if kind in ("integer", "float"):
        return [None if v is None else float(v) for v in values]
    return [None if v in (None, "") else v for v in values]


def test_sdtm_xpt_read_by_haven_and_foreign(simulated, rscript, tmp_path):
    study = simulated["ChiCTR2100046715"]
    export_sdtm(study, tmp_path / "sdtm", "xpt")
    seen = read_with_r(rscript, tmp_path / "sdtm", tmp_path)
    domains = export_sdtm_domains(load_study(study)).domains
    assert set(seen) == {f"{name.lower()}.xpt" for name in domains}
    for name, frame in domains.items():
        spec = _with_codelists(name)
        r = seen[f"{name.lower()}.xpt"]
        assert r["rows"] == r["foreign_rows"] == len(frame), name
        assert r["names"] == r["foreign_names"] == spec.names, name
        assert r["labels"] == [v.label for v in spec.variables], name
        for var in spec.variables:
            expected = _texts(frame[var.name], var.kind)
            assert _r_values(r["values"][var.name], len(frame), var.kind) == expected, (
                name,
                var.name,
            )


def test_xpt_files_are_version_5(simulated, tmp_path):
    export_sdtm(simulated["lv2026-escc-induction-rt"], tmp_path, "xpt")
    for path in tmp_path.glob("*.xpt"):
        head = path.read_bytes()[:80]
        assert head.startswith(
            b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000"
        )
        assert b"LIBV8" not in head


def test_xpt_v5_limits_are_errors_not_truncations(tmp_path):
    frame = pd.DataFrame({"USUBJID": ["A"], "LONGNAME9": [1.0]})
    spec = DatasetSpec(
        "XX",
        "Test",
        (Variable("USUBJID", "Unique Subject Identifier"), Variable("LONGNAME9", "x", "float")),
    )
    with pytest.raises(ExchangeFormatError, match="LONGNAME9: name longer than 8"):
        write_dataset(frame, spec, tmp_path, "xpt", study_oid="S")
    spec = DatasetSpec(
        "XX", "Test", (Variable("USUBJID", "A label of forty-one characters, too long!"),)
    )
    with pytest.raises(ExchangeFormatError, match=r"label .* longer than 40"):
        write_dataset(frame[["USUBJID"]], spec, tmp_path, "xpt", study_oid="S")
    spec = DatasetSpec("XX", "Test", (Variable("USUBJID", "Subject"),))
    with pytest.raises(ExchangeFormatError, match="record 1: value 'µ' is not ASCII"):
        write_dataset(pd.DataFrame({"USUBJID": ["µ"]}), spec, tmp_path, "xpt", study_oid="S")


def test_dataset_json_files_validate_against_the_schema(simulated, tmp_path):
    paths = export_sdtm(simulated["ChiCTR2100046715"], tmp_path, "dataset-json")
    validator = jsonschema.Draft202012Validator(dataset_json_schema())
    jsons = [p for p in paths if p.name != "define.json"]
    assert len(jsons) >= 10
    for path in jsons:
        document = json.loads(path.read_text())
        validator.validate(document)
        assert document["datasetJSONVersion"].startswith("1.1")
        assert document["records"] == len(document["rows"])
        assert all(len(row) == len(document["columns"]) for row in document["rows"])
    define = json.loads((tmp_path / "define.json").read_text())
    assert {d["file"] for d in define["datasets"]} == {p.name for p in jsons}


def test_dataset_json_schema_rejects_broken_documents():
    spec = DatasetSpec("DM", "Demographics", (Variable("USUBJID", "Unique Subject Identifier"),))
    frame = pd.DataFrame({"USUBJID": ["S1", "S2"]})
    from rtio.interop.datasetjson import dataset_json_document

    good = dataset_json_document(frame, spec, study_oid="X")
    validate_dataset_json(good)
    for broken, message in (
        ({k: v for k, v in good.items() if k != "itemGroupOID"}, "itemGroupOID"),
        ({**good, "records": 3}, "records is 3"),
        ({**good, "datasetJSONVersion": "1.0"}, "datasetJSONVersion"),
        ({**good, "columns": [{**good["columns"][0], "dataType": "text"}]}, "dataType"),
    ):
        with pytest.raises(DatasetJSONError, match=message):
            validate_dataset_json(broken)


def test_xpt_version_8_and_ndjson_inputs_are_read(tmp_path):
    import pyreadstat

    frame = pd.DataFrame({"USUBJID": ["A-1", "A-2"], "AGE": [61.0, np.nan]})
    pyreadstat.write_xport(frame, str(tmp_path / "dm.xpt"), table_name="DM")  # version 8
    read = read_dataset(tmp_path / "dm.xpt")
    assert read.frame["USUBJID"].tolist() == ["A-1", "A-2"]
    assert read.frame["AGE"].tolist() == ["61", ""]
    spec = DatasetSpec(
        "AE",
        "Adverse Events",
        (
            Variable("USUBJID", "Unique Subject Identifier"),
            Variable("AESEQ", "Sequence Number", "integer"),
        ),
    )
    from rtio.interop.datasetjson import dataset_json_document

    document = dataset_json_document(
        pd.DataFrame({"USUBJID": ["A-1"], "AESEQ": [1]}), spec, study_oid="X"
    )
    rows = document.pop("rows")
    lines = [json.dumps(document)] + [json.dumps(r) for r in rows]
    (tmp_path / "ae.ndjson").write_text("\n".join(lines) + "\n")
    read = read_dataset(tmp_path / "ae.ndjson")
    assert read.frame.to_dict("list") == {"USUBJID": ["A-1"], "AESEQ": ["1"]}

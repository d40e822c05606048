"""study -> ADaM reproduces ``rtio derive``'s tables (ADRS, ADTTE, ADLB), read back by R's haven
and foreign from XPT v5 and by the Dataset-JSON schema; ADaM AVAL = ADT − STARTDT + 1 beside rtio's
aval_days; define.json describes every dataset written."""

from __future__ import annotations

import json

import jsonschema
import pandas as pd
import pytest
from typer.testing import CliRunner

from rtio.analyse.derived import derive_study
from rtio.cli.main import app
from rtio.interop.adam import adam_datasets
from rtio.interop.datasetjson import dataset_json_schema
from rtio.io import load_study

from .conftest import PROTOCOLS
from .test_exchange_files import read_with_r

runner = CliRunner()
NAMES = ["adsl", "adrs", "adtte", "adae", "adlb"]


@pytest.fixture(scope="module")
def seed004(simulated, tmp_path_factory):
    """Seed 004: rtio derive's CSV tables and the ADaM export as XPT, read by R."""
    root = tmp_path_factory.mktemp("adam")
    study = simulated["ChiCTR2100046715"]
    res = runner.invoke(app, ["derive", str(study), "--out", str(root / "derived")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["export", "adam", str(study), "--out", str(root / "xpt"), "--format", "xpt"]
    )
    assert res.exit_code == 0, res.output
    derived = {
        n: pd.read_csv(root / "derived" / f"{n}.csv", keep_default_na=False)
        for n in ("adrs", "adtte", "adlb")
    }
    return root, derived


def _r_frame(seen: dict, name: str) -> pd.DataFrame:
    entry = seen[f"{name}.xpt"]
    values = {
        k: v if isinstance(v, list) else [v] * entry["rows"] for k, v in entry["values"].items()
    }
    return pd.DataFrame(values, columns=entry["names"]).fillna("")


def test_adam_files_are_named_as_the_contract_says(seed004):
    root, _ = seed004
    assert sorted(p.name for p in (root / "xpt").iterdir()) == sorted(
        [f"{n}.xpt" for n in NAMES] + ["define.json", "manifest.json"]
    )


def test_adrs_read_by_r_reproduces_rtio_derive(seed004, rscript, tmp_path):
    root, derived = seed004
    seen = read_with_r(rscript, root / "xpt", tmp_path)
    adrs = _r_frame(seen, "adrs")
    assert seen["adrs.xpt"]["foreign_rows"] == len(adrs)
    ours = adrs[adrs["PARAMCD"].isin(["OVR", "BOR", "CBOR"])]
    left = ours[["SUBJID", "PARAMCD", "ADT", "AVALC"]].set_axis(
        ["subject_id", "paramcd", "adt", "avalc"], axis=1
    )
    right = derived["adrs"][["subject_id", "paramcd", "adt", "avalc"]].astype(str)
    key = ["subject_id", "paramcd", "adt", "avalc"]
    pd.testing.assert_frame_equal(
        left.sort_values(key).reset_index(drop=True), right.sort_values(key).reset_index(drop=True)
    )
    cbor = adrs[adrs["PARAMCD"] == "CBOR"].set_index("SUBJID")["AVALC"]
    crsp = adrs[adrs["PARAMCD"] == "CRSP"].set_index("SUBJID")["AVALC"]
    cb = adrs[adrs["PARAMCD"] == "CB"].set_index("SUBJID")["AVALC"]
    assert (crsp == cbor.isin(["CR", "PR"]).map({True: "Y", False: "N"})).all()
    assert (cb == cbor.isin(["CR", "PR", "SD", "NON-CR/NON-PD"]).map({True: "Y", False: "N"})).all()
    aval = {"CR": "1", "PR": "2", "SD": "3", "NON-CR/NON-PD": "4", "PD": "5", "NE": "6"}
    ovr = adrs[adrs["PARAMCD"] == "OVR"]
    assert (ovr["AVAL"] == ovr["AVALC"].map(aval)).all()
    assert set(adrs["ANL01FL"]) == {"Y"}


def test_adtte_read_by_r_reproduces_rtio_derive_with_both_day_counts(seed004, rscript, tmp_path):
    root, derived = seed004
    seen = read_with_r(rscript, root / "xpt", tmp_path)
    adtte = _r_frame(seen, "adtte")
    rtio = derived["adtte"].astype(str)
    merged = adtte.merge(
        rtio, left_on=["SUBJID", "PARAMCD"], right_on=["subject_id", "paramcd"], validate="1:1"
    )
    assert len(merged) == len(rtio) == len(adtte)
    assert (merged["STARTDT"] == merged["start_date"]).all()
    assert (merged["ADT"] == merged["adt"]).all()
    assert (merged["CNSR"] == merged["cnsr"]).all()
    assert (merged["AVALRTIO"].astype(float) == merged["aval_days"].astype(float)).all()
    # admiral's convention: the start day is day 1
    assert (merged["AVAL"].astype(float) == merged["aval_days"].astype(float) + 1).all()
    assert (
        (pd.to_datetime(merged["ADT"]) - pd.to_datetime(merged["STARTDT"]))
        .dt.days.add(1)
        .astype(float)
        .eq(merged["AVAL"].astype(float))
        .all()
    )
    event = merged["CNSR"] == "0"
    assert (merged.loc[event, "EVNTDESC"] == merged.loc[event, "evntdesc"]).all()
    assert (merged["CNSDTDSC"] == merged["cnsdtdsc"]).all()
    os_event = event & (merged["PARAMCD"] == "OS")
    assert set(merged.loc[os_event, "SRCDOM"] + "." + merged.loc[os_event, "SRCVAR"]) == {
        "ADSL.DTHDT"
    }
    adrs = _r_frame(seen, "adrs")
    from_adrs = merged[merged["SRCDOM"] == "ADRS"]
    cited = adrs.set_index(["USUBJID", "ASEQ"]).loc[
        list(zip(from_adrs["USUBJID"], from_adrs["SRCSEQ"], strict=True))
    ]
    assert (cited["ADT"].to_numpy() == from_adrs["ADT"].to_numpy()).all()


def test_adlb_read_by_r_carries_rtio_lab_grades(seed004, rscript, tmp_path):
    root, derived = seed004
    seen = read_with_r(rscript, root / "xpt", tmp_path)
    adlb = _r_frame(seen, "adlb")
    graded = derived["adlb"]
    low = {
        "Anemia",
        "Hypoalbuminemia",
        "Hypocalcemia",
        "Hypoglycemia",
        "Hypokalemia",
        "Hyponatremia",
        "Lymphocyte count decreased",
        "Neutrophil count decreased",
        "Platelet count decreased",
        "White blood cell decreased",
    }
    codes = {
        "lymphocytes": "LYM",
        "neutrophils": "NEUT",
        "wbc": "WBC",
        "platelets": "PLAT",
        "hemoglobin": "HGB",
        "alt": "ALT",
        "ast": "AST",
        "albumin": "ALB",
        "creatinine": "CREAT",
        "triglycerides": "TRIG",
    }
    keyed = adlb.assign(_v=adlb["AVAL"].astype(float)).set_index(["SUBJID", "ADT", "PARAMCD", "_v"])
    checked = 0
    for row in graded.itertuples(index=False):
        hit = keyed.loc[(row.subject_id, row.date, codes[row.test], float(row.value))]
        hit = hit.iloc[0] if isinstance(hit, pd.DataFrame) else hit
        grade_var, term_var = (
            ("ATOXGRL", "ATOXDSCL") if row.ctcae_term in low else ("ATOXGRH", "ATOXDSCH")
        )
        expected = "" if row.grade == "" else str(int(float(row.grade)))
        assert hit[grade_var] == expected and hit[term_var] == row.ctcae_term
        checked += 1
    assert checked == len(graded) > 0
    baseline = adlb[adlb["ABLFL"] == "Y"]
    assert (baseline["BTOXGRL"] == baseline["ATOXGRL"]).all()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_adam_of_every_protocol_matches_the_analysis_derivations(simulated, protocol, tmp_path):
    study = load_study(simulated[protocol])
    datasets = adam_datasets(study)
    derived = derive_study(study)
    adsl = datasets["ADSL"][1]
    assert len(adsl) == len(study.tables["subjects"])
    adtte = datasets["ADTTE"][1]
    os_rows = adtte[adtte["PARAMCD"] == "OS"].set_index("SUBJID")
    reference = derived.adtte[derived.adtte["paramcd"] == "OS"].set_index("subject_id")
    assert (os_rows.loc[reference.index, "AVALRTIO"] == reference["aval_days"]).all()
    assert (os_rows.loc[reference.index, "CNSR"] == reference["cnsr"]).all()
    for flag in [c for c in adsl.columns if c.endswith("FL") and c != "DTHFL"]:
        assert set(adsl[flag]) <= {"Y", "N"}


def test_adam_dataset_json_validates_and_define_lists_everything(simulated, tmp_path):
    res = runner.invoke(
        app,
        [
            "export",
            "adam",
            str(simulated["NCT07235319"]),
            "--out",
            str(tmp_path),
            "--format",
            "dataset-json",
        ],
    )
    assert res.exit_code == 0, res.output
    validator = jsonschema.Draft202012Validator(dataset_json_schema())
    define = json.loads((tmp_path / "define.json").read_text())
    assert [d["name"] for d in define["datasets"]] == ["ADSL", "ADRS", "ADTTE", "ADAE", "ADLB"]
    for entry in define["datasets"]:
        document = json.loads((tmp_path / entry["file"]).read_text())
        validator.validate(document)
        assert [c["name"] for c in document["columns"]] == [v["name"] for v in entry["variables"]]
        assert document["records"] == entry["records"]
        for column in document["columns"]:
            assert len(column["name"]) <= 8 and len(column["label"]) <= 40
            if column["dataType"] == "date":
                assert column["targetDataType"] == "integer"
    codelists = {c["id"] for c in define["codelists"]}
    assert {"NY", "CNSR", "ADTTE.PARAMCD", "ADRS.PARAMCD"} <= codelists

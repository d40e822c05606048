"""Bad SDTM input: every problem names file (domain), record and variable; nothing is dropped
silently; partial dates need an explicit imputation rule and keep their --DTF flags."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from rtio.cli.main import app
from rtio.interop import export_sdtm
from rtio.interop.datasets import read_dataset

from .conftest import read_report, reconciled

runner = CliRunner()

DM = """STUDYID,DOMAIN,USUBJID,SUBJID,RFSTDTC,RFPENDTC,DTHDTC,AGE,AGEU,SEX,ARMCD,ARM
X,DM,X-1,1,2021-03-10,2022-01-01,,61,YEARS,M,A,treatment
X,DM,X-2,2,2021-13-01,2022-01-01,,58,YEARS,F,A,treatment
X,DM,X-3,3,2021-03-12,2022-01-01,,66,YEARS,U,A,treatment
X,DM,X-4,4,2021-03-14,2022-01-01,,sixty,YEARS,M,A,treatment
"""
RS = """STUDYID,DOMAIN,USUBJID,RSSEQ,RSTESTCD,RSTEST,RSCAT,RSORRES,RSBLFL,RSDTC
X,RS,X-1,1,ECOG101,ECOG1-Performance Status,ECOG,1,Y,
X,RS,X-2,1,ECOG101,ECOG1-Performance Status,ECOG,0,Y,
X,RS,X-3,1,ECOG101,ECOG1-Performance Status,ECOG,0,Y,
X,RS,X-4,1,ECOG101,ECOG1-Performance Status,ECOG,0,Y,
X,RS,X-1,2,BESTRSP,Best Overall Response,RECIST 1.1,PR,,2021-06-01
"""
AE = """STUDYID,DOMAIN,USUBJID,AESEQ,AETERM,AEDECOD,AETOXGR,AESTDTC,AEENDTC,AEREL,AESER
X,AE,X-1,1,anaemia,Anemia,2,2021-03-20,2021-04-02,RELATED,N
X,AE,X-1,2,tired,Fatigue,1,2021-03,,NOT RELATED,N
X,AE,X-1,3,odd,Made-up term,1,2021-04-01,,RELATED,N
X,AE,X-9,1,rash,Rash maculo-papular,1,2021-04-01,,RELATED,N
X,AE,X-2,1,rash,Rash maculo-papular,1,2021-04-01,,RELATED,N
X,AE,X-1,4,anaemia,Anemia,7,2021-05-01,,RELATED,N
X,AE,X-1,5,anaemia,Anemia,2,2021-05-01,,MAYBE,N
"""
CM = """STUDYID,DOMAIN,USUBJID,CMSEQ,CMTRT
X,CM,X-1,1,paracetamol
"""


def write_sdtm(folder: Path) -> Path:
    folder.mkdir()
    for name, text in (("dm", DM), ("rs", RS), ("ae", AE), ("cm", CM)):
        (folder / f"{name}.csv").write_text(text)
    return folder


def _rejected(report: dict) -> pd.DataFrame:
    return pd.DataFrame(report["rejected"])


def test_every_bad_value_is_named_and_nothing_is_dropped(tmp_path):
    source = write_sdtm(tmp_path / "sdtm")
    out = tmp_path / "study"
    res = runner.invoke(
        app, ["import", "sdtm", str(source), "--protocol", "ChiCTR2100046715", "--out", str(out)]
    )
    assert res.exit_code == 1, res.output
    assert "rejected" in res.output
    report = read_report(out)
    assert reconciled(report)
    assert not report["ok"]
    rejected = _rejected(report).set_index(["file", "record"])
    expect = {
        ("dm.csv", 2): ("RFSTDTC", "2021-13-01", "not an ISO 8601 date"),
        ("dm.csv", 3): ("SEX", "U", "sex: expected one of F, M"),
        ("dm.csv", 4): ("AGE", "sixty", "not a number"),
        ("ae.csv", 2): ("AESTDTC", "2021-03", "partial date: choose an imputation rule"),
        ("ae.csv", 3): ("AEDECOD", "Made-up term", "not a CTCAE v5.0 term"),
        ("ae.csv", 4): ("USUBJID", "X-9", "USUBJID is not a subject in DM"),
        ("ae.csv", 5): ("USUBJID", "X-2", "subject not imported (DM record 2 rejected)"),
        ("ae.csv", 6): ("AETOXGR", "7", "grade 7 is not a CTCAE grade of Anemia"),
        ("ae.csv", 7): ("AEREL", "MAYBE", "causality: expected one of"),
        ("rs.csv", 5): ("RSTESTCD", "BESTRSP", "best responses are derived by rtio"),
    }
    for key, (variable, value, reason) in expect.items():
        row = rejected.loc[key]
        assert row["variable"] == variable, key
        assert row["value"] == value, key
        assert reason in row["reason"], (key, row["reason"])
    assert report["skipped_sources"][0]["file"] == "cm.csv"
    assert report["skipped_sources"][0]["rows"] == 1
    assert report["sources"]["DM"] == {"file": "dm.csv", "read": 4, "placed": 1, "rejected": 3}
    assert report["sources"]["AE"] == {"file": "ae.csv", "read": 7, "placed": 1, "rejected": 6}
    assert report["tables"] == {"subjects": 1, "adverse_events": 1}
    assert report["validation"]["ok"]


def test_partial_dates_are_imputed_only_on_request_and_flagged(tmp_path):
    source = write_sdtm(tmp_path / "sdtm")
    out = tmp_path / "study"
    res = runner.invoke(
        app,
        [
            "import",
            "sdtm",
            str(source),
            "--protocol",
            "ChiCTR2100046715",
            "--out",
            str(out),
            "--impute",
            "first",
        ],
    )
    assert res.exit_code == 1, res.output  # the other bad rows remain errors
    events = pd.read_csv(out / "adverse_events.csv", dtype=str, keep_default_na=False)
    fatigue = events[events["term"] == "Fatigue"].iloc[0]
    # "2021-03" imputed to the first of the month, but not before the subject's start (admiral's
    # min_dates): RFSTDTC 2021-03-10
    assert fatigue["start_date"] == "2021-03-10"
    assert fatigue["start_date_dtf"] == "D"
    assert events.loc[events["term"] == "Anemia", "start_date_dtf"].tolist() == [""]
    assert read_report(out)["options"]["impute"] == "first"
    # exported again, the imputed date goes back to SDTM as the partial date it came from
    export_sdtm(out, tmp_path / "again", "csv")
    ae = read_dataset(tmp_path / "again" / "ae.csv").frame
    assert sorted(ae["AESTDTC"]) == ["2021-03", "2021-03-20"]


def test_output_inside_the_input_is_refused(tmp_path):
    source = write_sdtm(tmp_path / "sdtm")
    res = runner.invoke(
        app,
        [
            "import",
            "sdtm",
            str(source),
            "--protocol",
            "ChiCTR2100046715",
            "--out",
            str(source / "study"),
        ],
    )
    assert res.exit_code == 2
    assert "outputs never go into an input folder" in res.output

"""SDTM as sponsors write it, read by rtio's conventions: a node's short axis (LPERP) over its
longest diameter, centimetres converted, a measured lesion without TUMSTATE present, component and
iRECIST responses kept beside the RECIST 1.1 overall response, radiotherapy dose in cGy or as a
total over SUPPPR fractions, radiotherapy recorded in EX and missing AE qualifiers said."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from rtio.cli.main import app
from rtio.io import load_study

from .conftest import read_report, reconciled

runner = CliRunner()

FILES = {
    "dm": """STUDYID,DOMAIN,USUBJID,SUBJID,RFSTDTC,RFPENDTC,DTHDTC,AGE,AGEU,SEX,ARMCD,ARM
X,DM,X-1,1,2021-03-10,2022-01-05,,61,YEARS,M,treatment,
""",
    "rs": """STUDYID,DOMAIN,USUBJID,RSSEQ,RSTESTCD,RSTEST,RSCAT,RSORRES,RSSTRESC,RSEVAL,RSBLFL,RSDTC
X,RS,X-1,1,ECOG101,ECOG1-Performance Status,ECOG,1,1,,Y,2021-03-01
X,RS,X-1,2,ECOG101,ECOG1-Performance Status,ECOG,2,2,,,2021-06-01
X,RS,X-1,3,OVRLRESP,Overall Response,RECIST 1.1,PR,PR,INVESTIGATOR,,2021-05-01
X,RS,X-1,4,TRGRESP,Target Response,RECIST 1.1,PR,PR,INVESTIGATOR,,2021-05-01
X,RS,X-1,5,NEWLIND,New Lesion Indicator,RECIST 1.1,N,N,INVESTIGATOR,,2021-05-01
X,RS,X-1,6,OVRLRESP,Overall Response,iRECIST,iPR,iPR,INVESTIGATOR,,2021-05-01
X,RS,X-1,7,BESTRSP,Best Overall Response,RECIST 1.1,PR,PR,INVESTIGATOR,,2021-05-01
X,RS,X-1,8,TRGRESP,Target Response,RECIST 1.1,SD,SD,INVESTIGATOR,,2021-06-15
""",
    "tu": """STUDYID,DOMAIN,USUBJID,TUSEQ,TULNKID,TUTESTCD,TUTEST,TUORRES,TULOC
X,TU,X-1,1,T01,TUMIDENT,Tumor Identification,TARGET,ESOPHAGUS
X,TU,X-1,2,T02,TUMIDENT,Tumor Identification,TARGET,LYMPH NODE
""",
    "tr": """STUDYID,DOMAIN,USUBJID,TRSEQ,TRLNKID,TRTESTCD,TRTEST,TRORRES,TRORRESU,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,VISIT
X,TR,X-1,1,T01,LDIAM,Longest Diameter,4.1,cm,4.1,4.1,cm,2021-03-01,BASELINE
X,TR,X-1,2,T02,LDIAM,Longest Diameter,25,mm,25,25,mm,2021-03-01,BASELINE
X,TR,X-1,3,T02,LPERP,Longest Perpendicular,18,mm,18,18,mm,2021-03-01,BASELINE
X,TR,X-1,4,T01,SUMDIAM,Sum of Diameters,59,mm,59,59,mm,2021-03-01,BASELINE
""",
    "pr": """STUDYID,DOMAIN,USUBJID,PRSEQ,PRTRT,PRCAT,PRDOSE,PRDOSU,PRLOC,PRSTDTC,PRENDTC
X,PR,X-1,1,IMRT,RADIOTHERAPY,180,cGy,T01,2021-04-01,2021-05-05
X,PR,X-1,2,SBRT,RADIOTHERAPY,,Gy,T02,2021-04-02,2021-04-08
X,PR,X-1,3,BIOPSY,DIAGNOSTIC,,,,2021-02-20,2021-02-20
""",
    "supppr": """STUDYID,RDOMAIN,USUBJID,IDVAR,IDVARVAL,QNAM,QLABEL,QVAL
X,PR,X-1,PRSEQ,1,NFRAC,Number of Fractions,25
X,PR,X-1,PRSEQ,2,NFRAC,Number of Fractions,3
X,PR,X-1,PRSEQ,2,TOTDOSE,Total Dose,24
X,PR,X-1,PRSEQ,9,NFRAC,Number of Fractions,5
""",
    "ex": """STUDYID,DOMAIN,USUBJID,EXSEQ,EXTRT,EXDOSE,EXDOSU,EXSTDTC,VISIT
X,EX,X-1,1,TORIPALIMAB,240,mg,2021-03-10,CYCLE 1
X,EX,X-1,2,TORIPALIMAB,240,mg,2021-03-31,C2D1
X,EX,X-1,3,RADIOTHERAPY,2,Gy,2021-04-01,
""",
    "ae": """STUDYID,DOMAIN,USUBJID,AESEQ,AETERM,AEDECOD,AETOXGR,AESTDTC,AEREL,AESER
X,AE,X-1,1,low red cells,ANEMIA,2,2021-04-10,POSSIBLY RELATED,N
""",
}


def test_sponsor_conventions(tmp_path):
    source = tmp_path / "sdtm"
    source.mkdir()
    for name, text in FILES.items():
        (source / f"{name}.csv").write_text(text)
    out = tmp_path / "study"
    res = runner.invoke(
        app, ["import", "sdtm", str(source), "--protocol", "ChiCTR2100046715", "--out", str(out)]
    )
    report = read_report(out)
    assert reconciled(report)
    rejected = pd.DataFrame(report["rejected"]).set_index(["file", "record"])
    # two records are errors in the data (a qualifier of no record, a target response without an
    # overall response); every other rejection is a record the study format does not hold
    errors = rejected[rejected["kind"] == "error"].index.tolist()
    assert sorted(errors) == [("rs.csv", 8), ("supppr.csv", 4)]
    assert res.exit_code == 1, res.output
    study = load_study(out)
    subjects = study.tables["subjects"].iloc[0]
    assert subjects["arm"] == "Toripalimab + paclitaxel/carboplatin + radiotherapy"  # from ARMCD
    assert subjects["ecog"] == 1  # the baseline-flagged ECOG
    assert (
        "post" not in rejected.loc[("rs.csv", 2), "reason"]
        and "baseline" in rejected.loc[("rs.csv", 2), "reason"]
    )
    lesions = study.tables["lesions"].set_index("lesion_id")
    assert lesions["is_lymph_node"].tolist() == [False, True]  # TULOC names a lymph node
    measured = study.tables["measurements"].set_index("lesion_id")
    assert measured.loc["T01", "diameter_mm"] == 41.0  # 4.1 cm
    assert measured.loc["T02", "diameter_mm"] == 18.0  # the node's short axis (LPERP)
    assert set(measured["status"]) == {"present"}
    assert "LPERP" in rejected.loc[("tr.csv", 2), "reason"]
    assert "derived by rtio" in rejected.loc[("tr.csv", 4), "reason"]
    responses = study.tables["responses"]
    assert len(responses) == 1
    row = responses.iloc[0]
    assert (
        row["overall_response"],
        row["target_response"],
        row["new_lesions"],
        row["irecist_response"],
    ) == ("PR", "PR", "N", "iPR")
    assert "no RECIST 1.1 overall response" in rejected.loc[("rs.csv", 8), "reason"]
    assert "best responses are derived" in rejected.loc[("rs.csv", 7), "reason"]
    rt = study.tables["radiotherapy"].set_index("target")
    assert rt.loc["T01", "dose_per_fraction_gy"] == 1.8  # 180 cGy
    assert rt.loc["T02", "dose_per_fraction_gy"] == 8.0  # SUPPPR.TOTDOSE 24 Gy / 3 fractions
    assert "neither radiotherapy" in rejected.loc[("pr.csv", 3), "reason"]
    assert "no PR record" in rejected.loc[("supppr.csv", 4), "reason"]
    exposures = study.tables["exposures"]
    assert exposures["cycle"].tolist() == [1, 2]
    assert "courses from PR" in rejected.loc[("ex.csv", 3), "reason"]
    ae = study.tables["adverse_events"].iloc[0]
    assert (ae["term"], ae["verbatim_term"], bool(ae["related_treatment"])) == (
        "Anemia",
        "low red cells",
        True,
    )
    notes = " ".join(report["derivations"])
    assert "related_radiotherapy: false for 1 AE records without SUPPAE.AERELRT" in notes
    assert "TULOC naming a lymph node" in notes
    assert "last_known_alive_date: DM.RFPENDTC" in notes

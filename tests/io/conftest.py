"""A small, hand-written valid study folder; broken variants are made from it in the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

TABLES: dict[str, str] = {
    "study.yaml": "protocol: ChiCTR2100046715\ndata_cutoff: 2023-10-12\n",
    "subjects.csv": """subject_id,arm,sex,age,ecog,start_date,death_date,last_known_alive_date,smoking
S01,treatment,M,59,0,2021-07-01,,2023-10-01,true
S02,treatment,F,63,1,2021-08-15,2022-09-30,2022-09-30,false
S03,treatment,M,70,1,2021-09-01,,2023-09-20,
""",
    "lesions.csv": """subject_id,lesion_id,role,organ,is_lymph_node,site,station
S01,T1,target,esophagus,false,primary,
S01,T2,target,lymph node,true,distant_node,supraclavicular
S01,N1,non_target,lung,false,distant_organ,
S02,T1,target,esophagus,false,primary,
S03,T1,target,liver,false,distant_organ,
""",
    "measurements.csv": """subject_id,lesion_id,assessment_date,visit,diameter_mm,status
S01,T1,2021-06-25,BL,52,present
S01,T2,2021-06-25,BL,18,present
S01,N1,2021-06-25,BL,,present
S01,T1,2021-08-10,W6,30,present
S01,T2,2021-08-10,W6,9,present
S01,N1,2021-08-10,W6,,present
S02,T1,2021-08-10,BL,40,present
S02,T1,2021-09-25,W6,41,present
S03,T1,2021-08-28,BL,25,present
S03,T1,2021-10-12,W6,0,absent
""",
    "responses.csv": """subject_id,assessment_date,overall_response,assessor
S01,2021-08-10,PR,investigator
S02,2021-09-25,SD,investigator
""",
    "adverse_events.csv": """subject_id,term,verbatim_term,grade,start_date,end_date,related_treatment,related_radiotherapy,immune_related,serious
S01,Lymphocyte count decreased,Lymphopenia,3,2021-07-22,2021-08-12,true,false,false,false
S02,Esophagitis,,2,2021-09-05,,true,true,false,false
""",
    "labs.csv": """subject_id,date,test,value,unit,lln,uln
S01,2021-06-28,lymphocytes,1.2,10^9/L,1.1,3.2
S01,2021-07-22,lymphocytes,0.4,10^9/L,1.1,3.2
""",
    "exposures.csv": """subject_id,drug,dose,dose_unit,date,cycle
S01,toripalimab,240,mg,2021-07-01,1
S01,toripalimab,240,mg,2021-07-22,2
S01,toripalimab,240,mg,2021-08-12,3
S02,toripalimab,240,mg,2021-08-15,1
""",
    "radiotherapy.csv": """subject_id,target,technique,dose_per_fraction_gy,fractions,start_date,end_date,planned_fractions
S01,T1,IMRT,2.0,25,2021-08-12,2021-09-15,
S01,T2,SBRT,8.0,5,2021-08-16,2021-08-20,
""",
    "biomarkers.csv": """subject_id,name,timepoint,value,unit
S01,CD8,baseline,250,cells/mm2
S02,CD8,baseline,150,cells/mm2
""",
    "events.csv": """subject_id,kind,date,detail
S02,treatment_discontinuation,2021-10-01,progression
""",
    "surgery.csv": """subject_id,date,margin,viable_tumor_pct,ypt,ypn
S03,2022-01-10,R0,5,ypT1a,ypN0
""",
    "screening.csv": """candidate_id,screening_date,outcome,reason,subject_id
C01,2021-06-20,enrolled,,S01
C02,2021-06-21,excluded,ECOG 2,
C03,2021-08-01,enrolled,,S02
C04,2021-08-20,enrolled,,S03
""",
}


def _write_study(folder: Path, tables: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def write_study():
    """Write a study folder from {file name: text}."""
    return _write_study


@pytest.fixture
def study_tables() -> dict[str, str]:
    return dict(TABLES)


@pytest.fixture
def valid_study(tmp_path: Path) -> Path:
    return _write_study(tmp_path / "study", TABLES)

"""AE tables by worst grade reproduce seed 004 Tables 2 and 3 (counts and printed percentages).

The patients are built so that each term's worst grades equal the paper's counts; the table must
give back exactly the printed "n (p%)" cells (Table 2: 33 patients; Table 3: the 28 who received RT).
"""

import pandas as pd
import pytest

from rtio.derive.adverse_events import ae_grade_table, percent_text

TABLE_2 = {  # term: (grade 1, grade 2, grade 3, grade 4) — seed 004 Table 2
    "Lymphocyte count decreased": (0, 2, 18, 9),
    "White blood cell decreased": (1, 14, 7, 1),
    "Neutrophil count decreased": (6, 7, 8, 1),
    "Platelet count decreased": (14, 6, 1, 0),
    "Anemia": (22, 5, 3, 1),
    "Hypertriglyceridemia": (17, 2, 2, 0),
    "Hypothyroidism": (14, 4, 0, 0),
    "Esophageal fistula": (0, 0, 3, 0),
}
PRINTED_2 = {
    "Lymphocyte count decreased": ["0", "2 (6%)", "18 (55%)", "9 (27%)"],
    "White blood cell decreased": ["1 (3%)", "14 (42%)", "7 (21%)", "1 (3%)"],
    "Neutrophil count decreased": ["6 (18%)", "7 (21%)", "8 (24%)", "1 (3%)"],
    "Platelet count decreased": ["14 (42%)", "6 (18%)", "1 (3%)", "0"],
    "Anemia": ["22 (67%)", "5 (15%)", "3 (9%)", "1 (3%)"],
    "Hypertriglyceridemia": ["17 (52%)", "2 (6%)", "2 (6%)", "0"],
    "Hypothyroidism": ["14 (42%)", "4 (12%)", "0", "0"],
}
TABLE_3 = {  # seed 004 Table 3, 28 irradiated patients
    "Esophagitis": (9, 12, 3, 0),
    "Dermatitis radiation": (21, 0, 0, 0),
    "Cough": (1, 8, 0, 0),
    "Pneumonitis": (0, 3, 3, 0),
    "Esophageal pain": (12, 6, 0, 0),
}
PRINTED_3 = {
    "Esophagitis": ["9 (32%)", "12 (43%)", "3 (11%)", "0"],
    "Dermatitis radiation": ["21 (75%)", "0", "0", "0"],
    "Cough": ["1 (4%)", "8 (29%)", "0", "0"],
    "Pneumonitis": ["0", "3 (11%)", "3 (11%)", "0"],
    "Esophageal pain": ["12 (43%)", "6 (21%)", "0", "0"],
}


def _events(table: dict, ids: list[str], rt: bool) -> pd.DataFrame:
    rows = []
    for term, counts in table.items():
        patient = 0
        for grade, count in enumerate(counts, start=1):
            for _ in range(count):
                subject = ids[patient]
                # a milder earlier episode of the same term must not change the worst grade
                if grade > 1:
                    rows.append((subject, term, grade - 1, rt))
                rows.append((subject, term, grade, rt))
                patient += 1
    frame = pd.DataFrame(rows, columns=["subject_id", "term", "grade", "related_radiotherapy"])
    return frame.assign(related_treatment=True, immune_related=False, serious=False)


def _cells(table: pd.DataFrame, term: str) -> list[str]:
    row = table.set_index("term").loc[term]
    return [percent_text(int(row[f"grade_{g}"]), int(row["denominator"])) for g in range(1, 5)]


def test_table_2_counts_and_percentages() -> None:
    ids = [f"S{i:02d}" for i in range(33)]
    table = ae_grade_table(_events(TABLE_2, ids, False), ids, only="related_treatment")
    for term, printed in PRINTED_2.items():
        assert _cells(table, term) == printed, term
    assert table["denominator"].eq(33).all()
    assert table.iloc[0]["term"] in ("Anemia", "Lymphocyte count decreased")


def test_table_3_uses_the_irradiated_denominator() -> None:
    irradiated = [f"S{i:02d}" for i in range(28)]
    events = _events(TABLE_3, irradiated, True)
    table = ae_grade_table(events, irradiated, only="related_radiotherapy")
    for term, printed in PRINTED_3.items():
        assert _cells(table, term) == printed, term
    assert table.set_index("term").loc["Esophagitis", "any_grade"] == 24  # 24/28 = 86 % in the text


def test_patients_outside_the_population_are_not_counted() -> None:
    events = pd.DataFrame(
        {
            "subject_id": ["A", "B"],
            "term": ["Anemia", "Anemia"],
            "grade": [3, 2],
            "related_treatment": True,
            "related_radiotherapy": False,
            "immune_related": False,
            "serious": False,
        }
    )
    table = ae_grade_table(events, ["A", "C"])
    assert table.loc[0, "any_grade"] == 1 and table.loc[0, "denominator"] == 2


def test_unknown_filter_is_an_error() -> None:
    with pytest.raises(ValueError, match="only must be one of"):
        ae_grade_table(pd.DataFrame(columns=["subject_id", "term", "grade"]), [], only="rt")

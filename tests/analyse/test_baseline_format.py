"""Table 1 prints the age row (median and quartiles, R ``quantile(type = 7)``) in one number format
across every arm and the total, so that columns compare digit for digit."""

import pandas as pd

from rtio.analyse.baseline import baseline_table

# R: quantile(c(40, 41, 42, 43), type = 7)              -> 40.75 41.50 42.25
#    quantile(c(50, 52, 54, 56, 58), type = 7)          -> 52 54 56
#    quantile(c(40, 41, 42, 43, 50, 52, 54, 56, 58), 7) -> 42 50 54
AGES = {"A": [40, 41, 42, 43], "B": [50, 52, 54, 56, 58]}


def _table():
    subjects = pd.DataFrame(
        {
            "subject_id": [f"{arm}{i}" for arm, ages in AGES.items() for i in range(len(ages))],
            "age": [age for ages in AGES.values() for age in ages],
        }
    )
    groups = pd.Series({s: s[0] for s in subjects["subject_id"]})
    return baseline_table(subjects, None, groups=groups, order=["A", "B"])


def test_age_row_has_one_number_format_across_arms_and_total():
    age = _table()[0]
    assert age.characteristic == "Age, years"
    assert age.by_arm["A"].text == "41.5 (40.8–42.2)"  # 40.75 and 42.25 rounded half to even
    assert age.by_arm["B"].text == "54.0 (52.0–56.0)"
    assert age.text == "50.0 (42.0–54.0)"


def test_age_row_whole_numbers_when_every_quartile_is_whole():
    subjects = pd.DataFrame({"subject_id": ["B0", "B1", "B2", "B3", "B4"], "age": AGES["B"]})
    age = baseline_table(subjects, None)[0]
    assert age.text == "54 (52–56)"

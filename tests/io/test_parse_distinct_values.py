"""Text work done once per distinct value gives each row what the row's own value gives."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.io.parsing import _parse_text, clean_key
from rtio.io.schema import SCHEMAS

CELLS = ["S01", " S01", "S01\u200b", "", "S01", " 12 ", "12", "1,5", "\u00a0", "x", "S01"]


def test_clean_key_of_repeated_and_missing_ids() -> None:
    values = pd.Series([*CELLS, None, np.nan, pd.NA], dtype=object)
    expected = ["S01", "S01", "S01", "", "S01", "12", "12", "1,5", "", "x", "S01"]
    assert clean_key(values).tolist() == [*expected, None, None, None]


def test_each_row_parsed_as_its_own_value() -> None:
    labs = SCHEMAS["labs"]
    for column in (labs.column("subject_id"), labs.column("value"), labs.column("date")):
        cells = pd.Series([*CELLS, "2021-02-30", "2021-02-28", None], dtype=object)
        typed, bad = _parse_text(cells, column)
        for position, cell in enumerate(cells):
            one, one_bad = _parse_text(pd.Series([cell], dtype=object), column)
            assert bad[position] == one_bad[0]
            assert (pd.isna(typed.iloc[position]) and pd.isna(one.iloc[0])) or (
                typed.iloc[position] == one.iloc[0]
            )

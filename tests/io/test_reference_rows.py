"""Rows looked up in another table by whole-column codes agree with a tuple-by-tuple lookup."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.io.consistency import _rows_in


def test_rows_in_agrees_with_tuple_lookup() -> None:
    rng = np.random.default_rng(5)
    ids = np.array(["S1", "S2", "S3", "S10", None], dtype=object)
    lesions = np.array(["L1", "L2", "L11", None], dtype=object)
    keys = pd.DataFrame({"subject_id": rng.choice(ids, 500), "lesion_id": rng.choice(lesions, 500)})
    known = pd.DataFrame({"sid": rng.choice(ids[:3], 6), "lid": rng.choice(lesions[:3], 6)})
    pairs = set(zip(known["sid"], known["lid"], strict=True))
    expected = [
        (s, lesion) in pairs
        for s, lesion in zip(keys["subject_id"], keys["lesion_id"], strict=True)
    ]
    complete = keys.notna().all(axis=1).to_numpy()
    found = _rows_in(keys, known)
    assert (found[complete] == np.array(expected)[complete]).all()
    single = _rows_in(keys[["subject_id"]], known[["sid"]])
    assert (
        single[complete] == keys["subject_id"].isin(set(known["sid"])).to_numpy()[complete]
    ).all()

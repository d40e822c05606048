"""Labels a reader sees name timepoints in words (``on-treatment``), never as the data's code
(``on_treatment``)."""

import pandas as pd
import pytest

from rtio.analyse.biomarkers import paired_tests, timepoint_label


def test_paired_biomarker_label_names_the_timepoint_in_words():
    biomarkers = pd.DataFrame(
        {
            "subject_id": ["S1", "S2", "S3"] * 2,
            "name": "IFNG",
            "timepoint": ["baseline"] * 3 + ["on_treatment"] * 3,
            "value": [10.0, 20.0, 30.0, 11.0, 22.0, 33.0],
            "unit": "pg/mL",
        }
    )
    (test,) = paired_tests(biomarkers)
    assert test.biomarker == "IFNG (on-treatment vs baseline)"
    # R: wilcox.test(c(11, 22, 33), c(10, 20, 30), paired = TRUE) -> V = 6, p-value = 0.25
    assert test.statistic == 6
    assert test.p_value == pytest.approx(0.25, rel=1e-12)


def test_timepoint_label():
    assert timepoint_label("on_treatment") == "on-treatment"
    assert timepoint_label("baseline") == "baseline"

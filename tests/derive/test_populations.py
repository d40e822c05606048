"""Population flags from the seed 004 rules (efficacy-evaluable = RT of all lesions + a post-baseline
assessment; safety = at least one dose)."""

import pandas as pd

from rtio.derive.populations import derive_adsl, irradiated_lesion_ids
from rtio.protocol import load_protocol

D = pd.Timestamp


def _tables() -> dict[str, pd.DataFrame]:
    ids = ["A", "B", "C", "D", "E"]
    subjects = pd.DataFrame({"subject_id": ids, "start_date": D("2022-01-01")})
    lesions = pd.DataFrame(
        {
            "subject_id": ["A", "A", "B", "B", "C", "D", "E"],
            "lesion_id": ["L1", "L2", "L1", "L2", "L1", "L1", "L1"],
            "role": ["target", "non_target", "target", "non_target", "target", "target", "target"],
            "site": [
                "primary",
                "distant_node",
                "primary",
                "distant_organ",
                "primary",
                "primary",
                "primary",
            ],
        }
    )
    radiotherapy = pd.DataFrame(
        {
            "subject_id": ["A", "A", "B", "C", "D", "E"],
            "target": ["primary", "L2", "L1", "L1", "L1", "L1"],
            "fractions": [25, 5, 25, 10, 25, 25],
            "planned_fractions": [25, 5, 25, 25, 25, 25],
        }
    )
    measurements = pd.DataFrame(
        {
            "subject_id": ["A", "B", "C", "D", "E"],
            "assessment_date": [
                D("2022-02-15"),
                D("2022-02-15"),
                D("2022-02-15"),
                D("2021-12-28"),
                D("2022-02-15"),
            ],
        }
    )
    exposures = pd.DataFrame({"subject_id": ["A", "B", "C", "D"], "date": D("2022-01-01")})
    return {
        "subjects": subjects,
        "lesions": lesions,
        "radiotherapy": radiotherapy,
        "measurements": measurements,
        "exposures": exposures,
    }


def test_seed004_population_flags() -> None:
    adsl = derive_adsl(_tables(), load_protocol("ChiCTR2100046715")).set_index("subject_id")
    assert adsl["ITT_flag"].all()
    # A: all lesions irradiated as planned; B: a non-target lesion not irradiated; C: course stopped
    # early; D: no assessment after day 1; E: evaluable but never dosed
    assert adsl["efficacy_evaluable_flag"].to_dict() == {
        "A": True,
        "B": False,
        "C": False,
        "D": False,
        "E": True,
    }
    assert adsl["safety_flag"].to_dict() == {"A": True, "B": True, "C": True, "D": True, "E": False}


def test_region_targets_cover_the_lesions_of_that_site() -> None:
    tables = _tables()
    covered = irradiated_lesion_ids(tables["radiotherapy"], tables["lesions"])
    assert ("A", "L1") in set(map(tuple, covered[["subject_id", "lesion_id"]].to_numpy()))
    assert ("B", "L2") not in set(map(tuple, covered[["subject_id", "lesion_id"]].to_numpy()))

"""Disease-extent derivations from the lesions table (seed 004 Methods, AJCC 8th esophageal stations)."""

from __future__ import annotations

import pandas as pd

#: AJCC 8th edition esophageal regional lymph node stations.
REGIONAL_STATIONS = frozenset(
    [
        "1R",
        "1L",
        "2R",
        "2L",
        "4R",
        "4L",
        "7",
        "8U",
        "8M",
        "8L",
        "9R",
        "9L",
        "15",
        "16",
        "17",
        "18",
        "19",
        "20",
    ]
)


def node_is_regional(station: pd.Series) -> pd.Series:
    """True for AJCC 8th esophageal regional stations; False for any other recorded station
    (supraclavicular, axillary, inguinal, anterior mediastinal, above 1 / below 20); NA when missing."""
    station = pd.Series(station, dtype="string").str.strip()
    return station.isin(REGIONAL_STATIONS).astype("boolean").mask(station.isna())


def count_metastatic_lesions(lesions: pd.DataFrame) -> pd.DataFrame:
    """Per subject: metastatic lesions and organs for the oligometastasis rule (seed 004 Methods).

    Distant-organ lesions count one each; all nodes of one non-regional station count as one lesion;
    regional nodes and the primary are not metastases. All distant nodes share one organ, distant lymph nodes.
    Returns subject_id, n_lesions, n_organs, undecided (a node without station).
    """
    node = lesions["is_lymph_node"].astype(bool)
    regional = (
        node_is_regional(lesions["station"])
        if "station" in lesions
        else pd.Series(pd.NA, index=lesions.index, dtype="boolean")
    )
    site = lesions["site"] if "site" in lesions else pd.Series(pd.NA, index=lesions.index)
    primary = site.eq("primary").to_numpy()
    distant_node = node & regional.eq(False).fillna(False)
    undecided = node & regional.isna()
    organ_met = ~node & ~primary
    keys = pd.concat(
        [
            lesions.loc[organ_met, ["subject_id", "organ"]].assign(
                unit=lesions.loc[organ_met, "lesion_id"]
            ),
            lesions.loc[distant_node, ["subject_id"]].assign(
                organ="distant_lymph_nodes",
                unit="node:" + lesions.loc[distant_node, "station"].astype(str),
            ),
        ]
    )
    counts = keys.groupby("subject_id").agg(
        n_lesions=("unit", "nunique"), n_organs=("organ", "nunique")
    )
    subjects = pd.Index(lesions["subject_id"].unique(), name="subject_id")
    out = counts.reindex(subjects, fill_value=0)
    out["undecided"] = undecided.groupby(lesions["subject_id"]).any().reindex(subjects).to_numpy()
    return out.reset_index()


def is_oligometastatic(
    lesions: pd.DataFrame, max_lesions: int = 5, max_organs: int = 3
) -> pd.DataFrame:
    """Oligometastasis per seed 004: 1..5 metastatic lesions in at most 3 organs (NA when a node lacks a station)."""
    c = count_metastatic_lesions(lesions)
    ok = (c["n_lesions"] >= 1) & (c["n_lesions"] <= max_lesions) & (c["n_organs"] <= max_organs)
    c["oligometastatic"] = ok.astype("boolean").mask(c["undecided"])
    return c

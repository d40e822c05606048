"""Synthetic studies for the shipped protocols other than seed 004.

* NCT07164690 (seed 000): the ESCC generator with second-line response rates, imaging every 6 weeks
  for one year, low-dose RT 2 Gy x 1 to every baseline lesion within the first week and the PD-1
  inhibitor resumed after it.
* NCT07235319 (seed 003): the same latent model, the protocol's two arms randomized 1:1
  within strata (ECOG x metastatic burden; the seed names no factors, these are the simulator's),
  independently of outcome — the true hazard ratio is 1, the non-inferiority null's alternative.
* yu2025-escc-local-rt (seed 001): a retrospective cohort from the start of first-line IO; IO cycles
  every 3 weeks while alive up to a planned number; local RT for some patients at a random time after
  the index date, given only to those still alive. Overall survival does not depend on RT or cycles,
  so any "benefit" a naive comparison shows is immortal time.
* lv2026-escc-induction-rt (seed 002): induction RT (about 41.4 Gy) then surgery about 48 days later,
  with pathology, restaging and complications at the rates the seed reports.

Doses the seeds do not give (seed 003's chemotherapy and RT) are the simulator's own assumptions,
written as such in study.yaml notes. All draws are vectorised over subjects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from rtio.simulate.esophageal import (
    DAYS_PER_MONTH,
    SimulationConfig,
    id_width,
    numbered_ids,
    simulate_study,
    write_study,
)
from rtio.simulate.writer import CHUNK_SIZE, Generate, write_tables

LDRT = SimulationConfig(
    protocol="NCT07164690",
    arm="LDRT",
    accrual_start=dt.date(2025, 10, 1),
    accrual_end=dt.date(2026, 9, 30),
    data_cutoff=dt.date(2027, 7, 31),
    response_probs=(0.03, 0.14, 0.38, 0.45),
    pfs_median_months=(14.0, 8.0, 4.5, 1.6),
    post_progression_median_months=5.0,
    scan_days=(42, 84, 126, 168, 210, 252, 294, 336, 364),
    p_discontinue_before_rt=0.0,
)
IMMEDIATE = "Immediate locoregional radiotherapy"
NPC = dataclasses.replace(
    LDRT,
    protocol="NCT07235319",
    arm=IMMEDIATE,
    accrual_start=dt.date(2026, 2, 1),
    accrual_end=dt.date(2028, 1, 31),
    data_cutoff=dt.date(2030, 1, 31),
    response_probs=(0.25, 0.55, 0.15, 0.05),
    pfs_median_months=(36.0, 20.0, 10.0, 4.0),
    post_progression_median_months=18.0,
    scan_days=(42, 84, 126, 168, 252, 336, 420, 504, 588, 672, 756, 840),
)
ASSUMPTIONS = {
    "NCT07235319": [
        "Strata (ECOG 0/1 x oligo/polymetastatic), the GP doses (gemcitabine 1000 mg/m2 days 1 and 8, "
        "cisplatin 80 mg/m2) and the locoregional RT (69.96 Gy in 33 fractions) are simulator assumptions: "
        "the seed does not state them.",
        "Arms are assigned independently of outcome: the true hazard ratio is 1.",
    ],
    "yu2025-escc-local-rt": [
        "Overall survival is independent of RT and IO cycles (no true effect)."
    ],
}


def _days(values: np.ndarray) -> np.ndarray:
    return np.round(values).astype(int).astype("timedelta64[D]")


def _stream(seed: int, model: int, chunk: int) -> np.random.Generator:
    """The generator of one model's own draws for one chunk of subjects (chunk 0: the
    unchunked study's stream)."""
    return np.random.default_rng(np.random.SeedSequence([seed, model, *([chunk] if chunk else [])]))


def _positions(ids: pd.Series, subjects: pd.DataFrame) -> np.ndarray:
    """Row positions in ``subjects`` of each id (the simulator's ids sort as their numbers)."""
    order = subjects["subject_id"].to_numpy()
    found = np.searchsorted(order, ids.to_numpy())
    if not (order[:-1] < order[1:]).all() or not (order[found] == ids.to_numpy()).all():
        raise AssertionError("simulated subject ids must be unique and sorted")
    return found


def simulate_ldrt(
    n: int, seed: int, chunk: int = 0, first: int = 1, width: int | None = None
) -> dict[str, pd.DataFrame]:
    """Seed 000: LDRT 2 Gy x 1 to every visible lesion within 7 days, then the PD-1 inhibitor."""
    tables = simulate_study(n, seed, LDRT, chunk, first, width)
    rng = _stream(seed, 1000, chunk)
    subjects, lesions = tables["subjects"], tables["lesions"]
    start = subjects["start_date"].to_numpy().astype("datetime64[D]")
    baseline = lesions[lesions["role"].isin(["target", "non_target"])]
    offset = rng.integers(0, 7, len(baseline))
    day = start[_positions(baseline["subject_id"], subjects)] + offset.astype("timedelta64[D]")
    tables["radiotherapy"] = pd.DataFrame(
        {
            "subject_id": baseline["subject_id"].to_numpy(),
            "target": baseline["lesion_id"].to_numpy(),
            "technique": "3DCRT",
            "dose_per_fraction_gy": 2.0,
            "fractions": 1,
            "start_date": day,
            "end_date": day,
            "planned_fractions": 1,
        }
    )
    pd1 = tables["exposures"][tables["exposures"]["drug"] == "toripalimab"].copy()
    pd1["drug"], pd1["dose"] = "camrelizumab", 200.0
    pd1["date"] = pd1["date"] + pd.Timedelta(days=7)
    last_alive = subjects["last_known_alive_date"].to_numpy()
    alive = pd1["date"].to_numpy() < last_alive[_positions(pd1["subject_id"], subjects)]
    tables["exposures"] = pd1[alive].reset_index(drop=True)
    tables["events"] = tables["events"].iloc[0:0]
    tables["adverse_events"] = tables["adverse_events"][
        ~tables["adverse_events"]["related_radiotherapy"]
    ]
    tables["subjects"] = subjects.assign(stage="IVB")
    return tables


def simulate_randomized_npc(
    n: int, seed: int, chunk: int = 0, first: int = 1, width: int | None = None
) -> dict[str, pd.DataFrame]:
    """Seed 003: immediate vs salvage locoregional RT after PD-1 + GP, randomized 1:1 within strata
    (within each chunk of subjects in a chunked study)."""
    tables = simulate_study(n, seed, NPC, chunk, first, width)
    rng = _stream(seed, 3000, chunk)
    subjects = tables["subjects"].copy()
    burden = np.where(rng.random(n) < 0.5, "oligometastatic", "polymetastatic")
    subjects["stratum"] = "ECOG" + subjects["ecog"].astype(str) + "|" + burden
    arm = np.empty(n, dtype=object)
    for stratum in np.unique(subjects["stratum"]):
        members = np.flatnonzero(subjects["stratum"].to_numpy() == stratum)
        labels = np.resize(np.array([IMMEDIATE, "Salvage locoregional radiotherapy"]), members.size)
        arm[members] = rng.permutation(labels)
    subjects["arm"] = arm
    subjects["age"] = np.clip(subjects["age"] - 10, 18, 70)
    subjects = subjects.assign(
        histology="non-keratinizing carcinoma",
        tumor_location=None,
        primary_length_cm=np.nan,
        stage="IVB",
    )
    tables["subjects"] = subjects
    lesions = tables["lesions"].copy()
    lesions.loc[lesions["site"] == "primary", "organ"] = "nasopharynx"
    lesions.loc[lesions["site"] == "regional_node", "station"] = "cervical"
    tables["lesions"] = lesions
    exposures = tables["exposures"]
    tables["exposures"] = exposures[exposures["drug"] == "toripalimab"].reset_index(drop=True)
    immediate = set(subjects.loc[subjects["arm"] == IMMEDIATE, "subject_id"])
    rt = tables["radiotherapy"]
    primary = rt[(rt["technique"] == "IMRT") & rt["subject_id"].isin(immediate)].copy()
    primary["start_date"] = primary["start_date"] + pd.Timedelta(days=84)
    primary = primary.assign(
        target="locoregional",
        dose_per_fraction_gy=2.12,
        fractions=33,
        planned_fractions=33,
        end_date=primary["start_date"] + pd.Timedelta(days=45),
    )
    ends = subjects["last_known_alive_date"].to_numpy()[_positions(primary["subject_id"], subjects)]
    tables["radiotherapy"] = primary[primary["end_date"].to_numpy() <= ends].reset_index(drop=True)
    tables["adverse_events"] = tables["adverse_events"][
        ~tables["adverse_events"]["related_radiotherapy"]
        | tables["adverse_events"]["subject_id"].isin(immediate)
    ]
    tables["events"] = tables["events"][tables["events"]["kind"] != "rt_discontinuation"]
    return tables


def simulate_cohort_local_rt(
    n: int, seed: int, chunk: int = 0, first: int = 1, width: int | None = None
) -> dict[str, pd.DataFrame]:
    """Seed 001: first-line IO +/- local RT; RT and cycles have no effect on overall survival."""
    rng = _stream(seed, 1001, chunk)
    index = np.datetime64("2019-03-01") + rng.integers(0, 1400, n).astype("timedelta64[D]")
    cutoff = np.datetime64("2023-12-31")
    death_day = np.maximum(rng.exponential(15 * DAYS_PER_MONTH / np.log(2), n), 10)
    follow_day = (cutoff - index).astype(int) - rng.integers(0, 60, n)
    dead = death_day <= follow_day
    end_day = np.where(dead, np.round(death_day), follow_day).astype(int)
    ids = numbered_ids("P", first, n, id_width(first + n - 1, 3) if width is None else width)
    end_date = index + end_day.astype("timedelta64[D]")
    subjects = pd.DataFrame(
        {
            "subject_id": ids,
            "arm": "Immunotherapy-based systemic therapy alone",
            "sex": np.where(rng.random(n) < 0.85, "M", "F"),
            "age": np.clip(np.round(rng.normal(63, 8, n)), 40, 85).astype(int),
            "ecog": (rng.random(n) < 0.6).astype(int),
            "start_date": index,
            "death_date": np.where(dead, end_date, np.datetime64("NaT")),
            "last_known_alive_date": end_date,
            "histology": "squamous cell carcinoma",
            "stage": rng.choice(np.array(["IVA", "IVB"]), n, p=[0.3, 0.7]),
        }
    )
    planned = rng.integers(1, 36, n)
    cycle = np.arange(1, 36)
    days = (cycle - 1) * 21
    given = (days[None, :] < end_day[:, None]) & (cycle[None, :] <= planned[:, None])
    s, c = np.nonzero(given)
    drug = rng.choice(np.array(["camrelizumab", "sintilimab", "tislelizumab", "toripalimab"]), n)
    exposures = pd.DataFrame(
        {
            "subject_id": ids[s],
            "drug": drug[s],
            "dose": 200.0,
            "dose_unit": "mg",
            "date": index[s] + days[c].astype("timedelta64[D]"),
            "cycle": cycle[c],
        }
    )
    planned_rt = rng.uniform(14, 300, n)
    gets = (rng.random(n) < 0.5) & (planned_rt < end_day)
    r = np.flatnonzero(gets)
    subjects.loc[gets, "arm"] = "Immunotherapy-based systemic therapy + local radiotherapy"
    planned_fractions = rng.choice(np.array([10, 25]), r.size)
    rt_start = index[r] + _days(planned_rt[r])
    # a course stops at death: only the start of RT needs the patient alive (no conditioning on completing it)
    rt_end = np.minimum(rt_start + _days(planned_fractions * 7 / 5), end_date[r])
    delivered = np.clip(
        np.round((rt_end - rt_start).astype(int) * 5 / 7), 1, planned_fractions
    ).astype(int)
    radiotherapy = pd.DataFrame(
        {
            "subject_id": ids[r],
            "target": "primary",
            "technique": "IMRT",
            "dose_per_fraction_gy": np.where(planned_fractions == 10, 3.0, 2.0),
            "fractions": delivered,
            "start_date": rt_start,
            "end_date": rt_end,
            "planned_fractions": planned_fractions,
        }
    )
    return {"subjects": subjects, "exposures": exposures, "radiotherapy": radiotherapy}


def simulate_neoadjuvant(
    n: int, seed: int, chunk: int = 0, first: int = 1, width: int | None = None
) -> dict[str, pd.DataFrame]:
    """Seed 002: induction RT after poor response to neoadjuvant chemo-IO, then surgery."""
    rng = _stream(seed, 1002, chunk)
    ids = numbered_ids("P", first, n, id_width(first + n - 1, 3) if width is None else width)
    index = np.datetime64("2021-01-10") + rng.integers(0, 900, n).astype("timedelta64[D]")
    stage = rng.choice(np.array(["II", "III", "IVA"]), n, p=[0.304, 0.609, 0.087])
    fractions = rng.choice(np.array([22, 23, 25, 28]), n, p=[0.2, 0.5, 0.2, 0.1])
    rt_end = index + _days(fractions * 7 / 5)
    interval = np.clip(np.round(rng.normal(48, 9, n)), 28, 80).astype(int)
    surgery_date = rt_end + interval.astype("timedelta64[D]")
    pcr = rng.random(n) < 0.22
    mpr = pcr | (rng.random(n) < 0.28)
    viable = np.where(
        pcr, 0.0, np.where(mpr, np.round(rng.uniform(1, 10, n)), np.round(rng.uniform(15, 80, n)))
    )
    group = np.select([stage == "II", stage == "III"], [2, 3], 4)
    down = rng.random(n) < 0.61
    post = np.array(["I", "II", "III", "IVA"])[np.clip(np.where(down, group - 2, group - 1), 0, 3)]
    path_down = pcr | (rng.random(n) < 0.62)
    yp_stage = np.where(
        pcr,
        "0",
        np.array(["I", "II", "III", "IVA"])[
            np.clip(np.where(path_down, group - 2, group - 1), 0, 3)
        ],
    )
    follow = (np.datetime64("2024-06-30") - surgery_date).astype(int)
    subjects = pd.DataFrame(
        {
            "subject_id": ids,
            "arm": "Secondary induction radiotherapy then surgery",
            "sex": np.where(rng.random(n) < 0.826, "M", "F"),
            "age": np.clip(np.round(rng.normal(63, 7, n)), 45, 78).astype(int),
            "ecog": (rng.random(n) < 0.3).astype(int),
            "start_date": index,
            "death_date": pd.NaT,
            "last_known_alive_date": surgery_date + follow.astype("timedelta64[D]"),
            "histology": "squamous cell carcinoma",
            "stage": stage,
        }
    )
    radiotherapy = pd.DataFrame(
        {
            "subject_id": ids,
            "target": "primary",
            "technique": rng.choice(np.array(["IMRT", "tomotherapy"]), n),
            "dose_per_fraction_gy": 1.8,
            "fractions": fractions,
            "start_date": index,
            "end_date": rt_end,
        }
    )
    ypt = np.where(pcr, "ypT0", rng.choice(np.array(["ypT1b", "ypT2", "ypT3"]), n))
    ypn = np.where(
        pcr, "ypN0", rng.choice(np.array(["ypN0", "ypN1", "ypN2"]), n, p=[0.6, 0.3, 0.1])
    )
    surgery = pd.DataFrame(
        {
            "subject_id": ids,
            "date": surgery_date,
            "margin": "R0",
            "viable_tumor_pct": viable,
            "ypt": ypt,
            "ypn": ypn,
            "yp_stage": yp_stage,
            "post_clinical_stage": post,
            "complication_grade": np.where(
                rng.random(n) < 0.09, rng.integers(3, 5, n), rng.integers(0, 3, n)
            ),
        }
    )
    response = rng.choice(np.array(["CR", "PR", "SD"]), n, p=[0.174, 0.348, 0.478])
    responses = pd.DataFrame(
        {
            "subject_id": ids,
            "assessment_date": rt_end + (interval // 2).astype("timedelta64[D]"),
            "overall_response": response,
            "assessor": "investigator",
        }
    )
    myelo = rng.random(n) < 0.13
    gi = rng.random(n) < 0.09
    who = np.concatenate([np.flatnonzero(myelo), np.flatnonzero(gi)])
    terms = np.repeat(["Lymphocyte count decreased", "Esophagitis"], [myelo.sum(), gi.sum()])
    adverse_events = pd.DataFrame(
        {
            "subject_id": ids[who],
            "term": terms.astype(object),
            "grade": 3,
            "start_date": index[who] + np.timedelta64(14, "D"),
            "end_date": pd.NaT,
            "related_treatment": True,
            "related_radiotherapy": True,
            "immune_related": False,
            "serious": False,
        }
    )
    return {
        "subjects": subjects,
        "radiotherapy": radiotherapy,
        "surgery": surgery,
        "responses": responses,
        "adverse_events": adverse_events,
    }


GENERATORS: dict[str, Generate] = {
    "NCT07164690": simulate_ldrt,
    "NCT07235319": simulate_randomized_npc,
    "yu2025-escc-local-rt": simulate_cohort_local_rt,
    "lv2026-escc-induction-rt": simulate_neoadjuvant,
}
CUTOFFS = {
    "NCT07164690": LDRT.data_cutoff,
    "NCT07235319": NPC.data_cutoff,
    "yu2025-escc-local-rt": dt.date(2023, 12, 31),
    "lv2026-escc-induction-rt": dt.date(2024, 6, 30),
}


ID_MINIMUM = {"yu2025-escc-local-rt": 3, "lv2026-escc-induction-rt": 3}
"""Digits of the subject numbers of small studies (``P001``; the others ``S0001``)."""


def write_protocol_study(
    out: Path | str, protocol: str, n: int, seed: int, chunk_size: int = CHUNK_SIZE
) -> Path:
    """Write a simulated study folder for any shipped protocol and return its path (CSV up to
    ``chunk_size`` subjects, Parquet parts per chunk of subjects above)."""
    if protocol == SimulationConfig.protocol:
        return write_study(out, n, seed, chunk_size=chunk_size)
    if protocol not in GENERATORS:
        raise ValueError(
            f"no simulation model for protocol {protocol!r}; available: {', '.join([SimulationConfig.protocol, *GENERATORS])}"
        )
    folder = Path(out)
    width = id_width(n, ID_MINIMUM.get(protocol, 4))
    write_tables(folder, GENERATORS[protocol], n, seed, width, chunk_size)
    settings = {
        "protocol": protocol,
        "data_cutoff": CUTOFFS[protocol].isoformat(),
        "ctcae_version": "5.0",
        "synthetic": True,
        "seed": seed,
        "generator": "rtio.simulate",
    }
    if protocol in ASSUMPTIONS:
        settings["notes"] = ASSUMPTIONS[protocol]
    (folder / "study.yaml").write_text(
        yaml.safe_dump(settings, sort_keys=False, allow_unicode=True)
    )
    return folder

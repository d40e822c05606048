"""Synthetic ESCC chemo-immunotherapy + RT study after the seed-004 protocol (ChiCTR2100046715).

Latent model per subject: a true best-response class (CR / PR / SD / PD), a true progression
time and a death time (progression + post-progression survival). Scans on the protocol
calendar render the latent tumour-size course; progression appears at the first scan after the
true progression time as growth of the target sum (>= 20 % and >= 5 mm over nadir) or a new
lesion. Baseline characteristics follow seed 004 Table 1. Own code because it is the generator
itself; all draws are vectorised numpy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import yaml

from rtio.simulate.writer import CHUNK_SIZE, write_tables
from rtio.vocabulary import DAYS_PER_MONTH


@dataclass(frozen=True)
class SimulationConfig:
    """Generator parameters for one protocol (defaults: seed 004)."""

    protocol: str = "ChiCTR2100046715"
    arm: str = "Toripalimab + paclitaxel/carboplatin + radiotherapy"
    accrual_start: dt.date = dt.date(2021, 5, 1)
    accrual_end: dt.date = dt.date(2022, 9, 30)
    data_cutoff: dt.date = dt.date(2023, 10, 12)
    response_probs: tuple[float, float, float, float] = (0.21, 0.39, 0.25, 0.15)
    pfs_median_months: tuple[float, float, float, float] = (24.0, 11.0, 6.5, 2.0)
    post_progression_median_months: float = 6.0
    chemo_cycles: int = 4
    cycle_days: int = 21
    io_max_days: int = 365
    rt_start_cycle: int = 3
    p_discontinue_before_rt: float = 5 / 33
    scan_days: tuple[int, ...] = (42, 84, 168, 252, 336, 420, 504, 588, 672, 756, 840, 924)
    male: float = 0.88
    ecog1: float = 0.61
    smoking: float = 0.67
    alcohol: float = 0.61
    weight_loss: float = 0.30
    location: tuple[float, float, float] = (0.21, 0.49, 0.30)
    screened_per_enrolled: float = 56 / 33
    exclusion_reasons: tuple[str, ...] = field(
        default=(
            "did not meet inclusion criteria",
            "declined to participate",
            "more than 5 metastatic lesions",
            "abnormal organ function",
        )
    )


RESPONSE_CLASSES = np.array(["CR", "PR", "SD", "PD"])


def _date(base: dt.date, days: np.ndarray) -> np.ndarray:
    return np.datetime64(base, "D") + days.astype("timedelta64[D]")


def id_width(n: int, minimum: int = 4) -> int:
    """Digits of the zero-padded number in an id: ``minimum`` (the width small studies have
    always had, so they stay byte-identical) or the digits of ``n``, so that ids sort as their
    numbers do at any size."""
    return max(minimum, len(str(n)))


def numbered_ids(prefix: str, first: int, n: int, width: int) -> np.ndarray:
    """Ids ``prefix`` + the zero-padded numbers ``first .. first + n - 1`` (vectorised)."""
    numbers = np.arange(first, first + n).astype(str)
    return np.char.add(prefix, np.char.zfill(numbers, width)).astype(object)


def _subjects(
    cfg: SimulationConfig, n: int, rng: np.random.Generator, first: int = 1, width: int = 4
) -> pd.DataFrame:
    """Baseline characteristics and the latent course of each subject."""
    window = (cfg.accrual_end - cfg.accrual_start).days
    start = _date(cfg.accrual_start, np.sort(rng.integers(0, window, n)))
    age = np.clip(np.round(rng.normal(61, 8.5, n)), 43, 74).astype(int)
    cls = rng.choice(4, size=n, p=cfg.response_probs)
    pfs = rng.exponential(np.array(cfg.pfs_median_months)[cls] / np.log(2)) * DAYS_PER_MONTH
    pfs = np.maximum(pfs, 30.0)
    pps = rng.exponential(cfg.post_progression_median_months / np.log(2), n) * DAYS_PER_MONTH
    death_day = np.round(pfs + np.maximum(pps, 7)).astype(int)
    cutoff = np.datetime64(cfg.data_cutoff, "D")
    death = start + death_day.astype("timedelta64[D]")
    dead = death <= cutoff
    location = rng.choice(np.array(["upper", "middle", "lower"]), n, p=cfg.location)
    ct = rng.choice(np.array(["T2", "T3", "T4a", "T4b"]), n, p=[0.09, 0.55, 0.24, 0.12])
    cn = rng.choice(np.array(["N0", "N1", "N2", "N3"]), n, p=[0.06, 0.33, 0.36, 0.25])
    return pd.DataFrame(
        {
            "subject_id": numbered_ids("S", first, n, width),
            "arm": cfg.arm,
            "sex": np.where(rng.random(n) < cfg.male, "M", "F"),
            "age": age,
            "ecog": (rng.random(n) < cfg.ecog1).astype(int),
            "start_date": start,
            "death_date": np.where(dead, death, np.datetime64("NaT")),
            "last_known_alive_date": np.where(dead, death, cutoff),
            "smoking": rng.random(n) < cfg.smoking,
            "alcohol": rng.random(n) < cfg.alcohol,
            "weight_loss_ge_10pct": rng.random(n) < cfg.weight_loss,
            "tumor_location": location,
            "primary_length_cm": np.round(np.clip(rng.lognormal(np.log(5.5), 0.35, n), 1.5, 14), 1),
            "histology": "squamous cell carcinoma",
            "clinical_t": ct,
            "clinical_n": cn,
            "clinical_m": "M1",
            "stage": "IVB",
            "_class": RESPONSE_CLASSES[cls],
            "_pfs_day": np.round(pfs).astype(int),
            "_death_day": death_day,
        }
    )


# slot: organ, is_lymph_node, site, station, inclusion probability, baseline size (median mm)
_SLOTS = [
    ("esophagus", False, "primary", "", 1.0, 35.0),
    ("lymph_node", True, "regional_node", "7", 0.6, 20.0),
    ("lymph_node", True, "regional_node", "2R", 0.35, 18.0),
    ("lymph_node", True, "distant_node", "supraclavicular", 0.35, 19.0),
    ("lymph_node", True, "distant_node", "retroperitoneal", 0.25, 22.0),
    ("liver", False, "distant_organ", "", 0.35, 24.0),
    ("liver", False, "distant_organ", "", 0.15, 18.0),
    ("lung", False, "distant_organ", "", 0.3, 15.0),
    ("lung", False, "distant_organ", "", 0.1, 12.0),
    ("bone", False, "distant_organ", "", 0.15, 0.0),
]


def _lesions(subjects: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Baseline lesions: up to 5 targets (<= 2 per organ), the rest non-targets (RECIST 1.1 §3)."""
    n, k = len(subjects), len(_SLOTS)
    prob = np.array([s[4] for s in _SLOTS])
    present = rng.random((n, k)) < prob
    bone = np.array([s[0] == "bone" for s in _SLOTS])
    # at least one metastatic (stage IVB) site
    no_met = ~present[:, 3:].any(axis=1)
    present[no_met, 3] = True
    size = np.array([s[5] for s in _SLOTS]) * rng.lognormal(0, 0.25, (n, k))
    node = np.array([s[1] for s in _SLOTS])
    size = np.where(node, np.maximum(size, 15.0), np.maximum(size, 10.0))
    organs = np.array([s[0] for s in _SLOTS])
    eligible = present & ~bone
    for organ in np.unique(organs):  # a few organs; RECIST 1.1 §3.2: at most 2 targets per organ
        cols = organs == organ
        eligible[:, cols] &= np.cumsum(eligible[:, cols], axis=1) <= 2
    target = eligible & (np.cumsum(eligible, axis=1) <= 5)
    sub_idx, slot_idx = np.nonzero(present)
    ids = np.array(subjects["subject_id"])
    per_sub = np.cumsum(present, axis=1)[sub_idx, slot_idx]
    return pd.DataFrame(
        {
            "subject_id": ids[sub_idx],
            "lesion_id": [f"L{j}" for j in per_sub],
            "role": np.where(target[sub_idx, slot_idx], "target", "non_target"),
            "organ": np.array([s[0] for s in _SLOTS])[slot_idx],
            "is_lymph_node": node[slot_idx],
            "site": np.array([s[2] for s in _SLOTS])[slot_idx],
            "station": np.array([s[3] for s in _SLOTS])[slot_idx],
            "_baseline_mm": np.round(size[sub_idx, slot_idx], 1),
            "_sub": sub_idx,
        }
    )


def _scan_days(cfg: SimulationConfig, subjects: pd.DataFrame, rng: np.random.Generator):
    """Assessment days per subject: baseline (-14..-1) and the calendar (± 7 d), up to PD/death."""
    n = len(subjects)
    nominal = np.array(cfg.scan_days)
    days = nominal[None, :] + rng.integers(-7, 8, (n, len(nominal)))
    baseline = -rng.integers(1, 15, n)
    pfs = subjects["_pfs_day"].to_numpy()
    death = subjects["_death_day"].to_numpy()
    follow = (
        np.datetime64(cfg.data_cutoff, "D")
        - subjects["start_date"].to_numpy().astype("datetime64[D]")
    ).astype(int)
    first_after_pd = np.argmax(days >= pfs[:, None], axis=1)
    any_after = (days >= pfs[:, None]).any(axis=1)
    last = np.where(any_after, first_after_pd, len(nominal) - 1)
    keep = (np.arange(len(nominal))[None, :] <= last[:, None]) & (days < death[:, None])
    keep &= days <= follow[:, None]
    return baseline, days, keep


def _measurements(cfg, subjects, lesions, rng):
    """Scans following the latent shrinkage curve; growth or a new lesion at the PD scan."""
    baseline, days, keep = _scan_days(cfg, subjects, rng)
    cls = subjects["_class"].to_numpy()
    depth = np.select(
        [cls == "CR", cls == "PR", cls == "SD"],
        [np.ones(len(cls)), rng.uniform(0.4, 0.8, len(cls)), rng.uniform(-0.1, 0.2, len(cls))],
        -0.05,
    )
    pfs = subjects["_pfs_day"].to_numpy()
    sub = lesions["_sub"].to_numpy()
    base_mm = lesions["_baseline_mm"].to_numpy()
    node = lesions["is_lymph_node"].to_numpy()
    target = lesions["role"].to_numpy() == "target"
    ids = subjects["subject_id"].to_numpy()
    starts = subjects["start_date"].to_numpy().astype("datetime64[D]")
    new_lesion = rng.random(len(subjects)) < 0.4
    residual_node_mm = rng.uniform(4, 9, len(sub))  # a node in CR keeps one short axis < 10 mm
    observed_frac = np.zeros(len(sub))  # deepest shrinkage seen on a scan so far (0 = baseline)
    frames = []
    n_scan = days.shape[1]
    for j in range(-1, n_scan):  # loop over calendar visits (fixed, small), vectorised over lesions
        if j < 0:
            d = baseline[sub]
            ok = np.ones(len(sub), bool)
            frac = np.zeros(len(sub))
            visit = "baseline"
        else:
            d = days[sub, j]
            ok = keep[sub, j]
            frac = depth[sub] * (1 - np.exp(-d / 40.0))
            frac = np.where(cls[sub] == "CR", np.where(d >= 60, 1.0, frac), frac)
            visit = f"week{cfg.scan_days[j] // 7}"
        progressed = (d >= pfs[sub]) & (j >= 0)
        mm = base_mm * (1 - frac)
        # growth is judged against the smallest size RECIST has seen, i.e. on earlier scans
        nadir_mm = base_mm * (1 - np.clip(observed_frac, 0.0, 1.0))
        mm = np.where(progressed & ~new_lesion[sub], np.maximum(nadir_mm, 5.0) * 1.35 + 6, mm)
        observed_frac = np.where(ok & ~progressed, np.maximum(observed_frac, frac), observed_frac)
        mm = np.where(node & (mm < 10) & (frac >= 1), residual_node_mm, mm)
        status = np.where((~node) & (mm < 1), "absent", "present").astype(object)
        status[(~node) & (mm >= 1) & (mm < 5) & target] = "too_small_to_measure"
        diameter = np.where(status == "absent", 0.0, np.round(mm, 1))
        diameter = np.where(status == "too_small_to_measure", np.nan, diameter)
        diameter = np.where(target, diameter, np.nan)
        nontarget_pd = (~target) & progressed & ~new_lesion[sub]
        status[nontarget_pd] = "unequivocal_progression"
        frames.append(
            pd.DataFrame(
                {
                    "subject_id": ids[sub][ok],
                    "lesion_id": lesions["lesion_id"].to_numpy()[ok],
                    "assessment_date": (starts[sub] + d.astype("timedelta64[D]"))[ok],
                    "visit": visit,
                    "diameter_mm": diameter[ok],
                    "status": status[ok],
                }
            )
        )
    meas = pd.concat(frames, ignore_index=True)
    # new lesions at the PD scan of subjects whose progression is a new lesion
    pd_col = np.argmax(days >= pfs[:, None], axis=1)
    has_pd_scan = (days >= pfs[:, None]).any(axis=1) & keep[np.arange(len(pfs)), pd_col]
    s_new = np.nonzero(new_lesion & has_pd_scan)[0]
    new_les = pd.DataFrame(
        {
            "subject_id": ids[s_new],
            "lesion_id": "N1",
            "role": "new",
            "organ": rng.choice(np.array(["liver", "lung", "bone", "lymph_node"]), len(s_new)),
        }
    )
    new_les["is_lymph_node"] = new_les["organ"] == "lymph_node"
    new_les["site"] = np.where(new_les["is_lymph_node"], "distant_node", "distant_organ")
    new_les["station"] = np.where(new_les["is_lymph_node"], "retroperitoneal", "")
    new_meas = pd.DataFrame(
        {
            "subject_id": ids[s_new],
            "lesion_id": "N1",
            "assessment_date": starts[s_new] + days[s_new, pd_col[s_new]].astype("timedelta64[D]"),
            "visit": [f"week{cfg.scan_days[j] // 7}" for j in pd_col[s_new]],
            "diameter_mm": np.nan,
            "status": "present",
        }
    )
    # new lesion scan shares the visit date of the other lesions
    meas = pd.concat([meas, new_meas], ignore_index=True)
    meas = meas.sort_values(["subject_id", "assessment_date", "lesion_id"], kind="stable")
    pd_day = np.where(has_pd_scan, days[np.arange(len(pfs)), pd_col], -1)
    return meas.reset_index(drop=True), new_les, pd_day


def _joined_targets(lesions: pd.DataFrame, irradiated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Subject positions (ascending) and their metastatic lesion ids joined by ``;`` (one SBRT
    course per irradiated subject with metastases), found by position, never by id lookup."""
    mets = lesions[(lesions["site"] != "primary").to_numpy() & irradiated[lesions["_sub"]]]
    joined = (
        pl.DataFrame({"sub": mets["_sub"].to_numpy(), "lesion": mets["lesion_id"].to_numpy()})
        .group_by("sub", maintain_order=True)
        .agg(pl.col("lesion").str.join(";"))
        .sort("sub")
    )
    return joined["sub"].to_numpy(), joined["lesion"].to_numpy().astype(object)


def _treatment(cfg, subjects, lesions, rng):
    """Exposures on the q3w cycle calendar, RT from cycle 3, discontinuation events."""
    n = len(subjects)
    ids = subjects["subject_id"].to_numpy()
    starts = subjects["start_date"].to_numpy().astype("datetime64[D]")
    pfs = subjects["_pfs_day"].to_numpy()
    death = subjects["_death_day"].to_numpy()
    follow = (np.datetime64(cfg.data_cutoff, "D") - starts).astype(int)
    disc_early = rng.random(n) < cfg.p_discontinue_before_rt
    stop = np.minimum.reduce([pfs, death - 1, np.full(n, cfg.io_max_days), follow])
    stop = np.where(disc_early, np.minimum(stop, 35), stop)
    n_cycles = np.maximum(1, stop // cfg.cycle_days + 1)
    cyc = np.arange(1, 18)
    c_sub, c_idx = np.nonzero(cyc[None, :] <= n_cycles[:, None])
    cycle = cyc[c_idx]
    cday = (cycle - 1) * cfg.cycle_days
    cdate = starts[c_sub] + cday.astype("timedelta64[D]")
    bsa = np.round(rng.normal(1.7, 0.15, n), 2)
    ptx_dose = rng.choice(np.array([135.0, 150.0, 175.0]), n)
    auc = rng.choice(np.array([4.0, 5.0, 6.0]), n)
    tori = pd.DataFrame(
        {
            "subject_id": ids[c_sub],
            "drug": "toripalimab",
            "dose": 240.0,
            "dose_unit": "mg",
            "date": cdate,
            "cycle": cycle,
        }
    )
    chemo = cycle <= cfg.chemo_cycles
    ptx = pd.DataFrame(
        {
            "subject_id": ids[c_sub][chemo],
            "drug": "paclitaxel",
            "dose": np.round(ptx_dose[c_sub] * bsa[c_sub], 0)[chemo],
            "dose_unit": "mg",
            "date": cdate[chemo],
            "cycle": cycle[chemo],
        }
    )
    cbp = pd.DataFrame(
        {
            "subject_id": ids[c_sub][chemo],
            "drug": "carboplatin",
            "dose": np.round(auc[c_sub] * 125.0, 0)[chemo],
            "dose_unit": "mg",
            "date": cdate[chemo],
            "cycle": cycle[chemo],
        }
    )
    exposures = pd.concat([tori, ptx, cbp], ignore_index=True).sort_values(
        ["subject_id", "date", "drug"], kind="stable"
    )
    rt_day = (cfg.rt_start_cycle - 1) * cfg.cycle_days
    gets_rt = (~disc_early) & (stop >= rt_day) & (np.minimum(follow, death) > rt_day + 50)
    s = np.nonzero(gets_rt)[0]
    planned = rng.choice(np.array([25, 28]), len(s))
    stopped_early = rng.random(len(s)) < 0.07
    delivered = np.where(stopped_early, planned - rng.integers(5, 12, len(s)), planned)
    rt_start = starts[s] + np.timedelta64(rt_day, "D")
    primary = pd.DataFrame(
        {
            "subject_id": ids[s],
            "target": "L1",
            "technique": "IMRT",
            "dose_per_fraction_gy": np.where(planned == 25, 2.0, 1.8),
            "fractions": delivered,
            "start_date": rt_start,
            "end_date": rt_start + np.round(delivered * 7 / 5).astype("timedelta64[D]"),
            "planned_fractions": planned,
        }
    )
    met_sub, met_targets = _joined_targets(lesions, gets_rt)
    sbrt_fx = rng.choice(np.array([3, 5]), len(met_sub))
    sb_start = starts[met_sub] + np.timedelta64(rt_day + 7, "D")
    sbrt = pd.DataFrame(
        {
            "subject_id": ids[met_sub],
            "target": met_targets,
            "technique": "SBRT",
            "dose_per_fraction_gy": np.where(sbrt_fx == 3, 10.0, 8.0),
            "fractions": sbrt_fx,
            "start_date": sb_start,
            "end_date": sb_start + (sbrt_fx * 2).astype("timedelta64[D]"),
            "planned_fractions": sbrt_fx,
        }
    )
    rt = pd.concat([primary, sbrt], ignore_index=True).sort_values(["subject_id", "start_date"])
    reasons = rng.choice(
        np.array(["adverse_event", "withdrawal", "progression"]), n, p=[0.4, 0.4, 0.2]
    )
    e = np.nonzero(disc_early)[0]
    events = pd.DataFrame(
        {
            "subject_id": ids[e],
            "kind": "treatment_discontinuation",
            "date": starts[e] + stop[e].astype("timedelta64[D]") + np.timedelta64(1, "D"),
            "detail": reasons[e],
        }
    )
    r = np.nonzero(gets_rt)[0][stopped_early]
    rt_events = pd.DataFrame(
        {
            "subject_id": ids[r],
            "kind": "rt_discontinuation",
            "date": primary["end_date"].to_numpy()[stopped_early],
            "detail": "adverse_event",
        }
    )
    events = pd.concat([events, rt_events], ignore_index=True)
    last_dose = starts + ((n_cycles - 1) * cfg.cycle_days).astype("timedelta64[D]")
    return exposures.reset_index(drop=True), rt.reset_index(drop=True), events, gets_rt, last_dose


# term, verbatim, p(any grade), p(grade>=3 | any), treatment, radiotherapy, immune
_AES = [
    ("Lymphocyte count decreased", "Lymphopenia", 0.79, 0.45, True, False, False),
    ("Anemia", "Anemia", 0.73, 0.08, True, False, False),
    ("White blood cell decreased", "Leukopenia", 0.61, 0.2, True, False, False),
    ("Neutrophil count decreased", "Neutropenia", 0.52, 0.35, True, False, False),
    ("Platelet count decreased", "Thrombocytopenia", 0.21, 0.1, True, False, False),
    ("Hypoalbuminemia", "Hypoproteinemia", 0.42, 0.0, True, False, False),
    ("Alanine aminotransferase increased", "ALT increased", 0.24, 0.05, True, False, False),
    ("Nausea", "Nausea or vomiting", 0.36, 0.0, True, False, False),
    ("Anorexia", "Anorexia", 0.33, 0.05, True, False, False),
    ("Fatigue", "Fatigue", 0.3, 0.0, True, False, False),
    ("Peripheral sensory neuropathy", "Peripheral neuropathy", 0.21, 0.0, True, False, False),
    ("Alopecia", "Alopecia", 0.45, 0.0, True, False, False),
    ("Hypertriglyceridemia", "Hypertriglyceridemia", 0.39, 0.05, True, False, True),
    ("Hypothyroidism", "Hypothyroidism", 0.21, 0.0, True, False, True),
    ("Rash maculo-papular", "Rash", 0.12, 0.0, True, False, True),
    ("Esophagitis", "Radiation esophagitis", 0.5, 0.07, False, True, False),
    ("Pneumonitis", "Radiation pneumonitis", 0.14, 0.2, False, True, False),
    ("Dermatitis radiation", "Radiation dermatitis", 0.18, 0.0, False, True, False),
]


def _adverse_events(cfg, subjects, gets_rt, last_dose, rng):
    """AE episodes with seed-004 Table 2/3-like grade frequencies; RT AEs only when irradiated."""
    n, k = len(subjects), len(_AES)
    p_any = np.array([a[2] for a in _AES])
    p_g3 = np.array([a[3] for a in _AES])
    rt_ae = np.array([a[5] for a in _AES])
    occurs = rng.random((n, k)) < p_any
    occurs &= ~rt_ae[None, :] | gets_rt[:, None]
    severe = rng.random((n, k)) < p_g3
    grade = np.where(severe, 3 + (rng.random((n, k)) < 0.15), 1 + (rng.random((n, k)) < 0.35))
    s, t = np.nonzero(occurs)
    starts = subjects["start_date"].to_numpy().astype("datetime64[D]")
    span = np.maximum((last_dose[s] - starts[s]).astype(int), 14)
    onset = np.where(
        rt_ae[t], 50 + rng.integers(0, 30, len(s)), 3 + (rng.random(len(s)) * span).astype(int)
    )
    start = starts[s] + onset.astype("timedelta64[D]")
    end = start + rng.integers(7, 60, len(s)).astype("timedelta64[D]")
    death = subjects["death_date"].to_numpy().astype("datetime64[D]")[s]
    cutoff = np.datetime64(cfg.data_cutoff, "D")
    lim = np.where(np.isnat(death), cutoff, death)
    ok = start <= lim
    end = np.where(end <= lim, end, np.datetime64("NaT"))
    ae = pd.DataFrame(
        {
            "subject_id": subjects["subject_id"].to_numpy()[s],
            "term": np.array([a[0] for a in _AES])[t],
            "verbatim_term": np.array([a[1] for a in _AES])[t],
            "grade": grade[s, t],
            "start_date": start,
            "end_date": end,
            "related_treatment": np.array([a[4] for a in _AES])[t],
            "related_radiotherapy": rt_ae[t],
            "immune_related": np.array([a[6] for a in _AES])[t],
            "serious": grade[s, t] >= 3,
        }
    )[ok]
    return ae.sort_values(["subject_id", "start_date"], kind="stable").reset_index(drop=True)


# test, unit, lln, uln, baseline mean, sd
_LABS = [
    ("lymphocytes", "10^9/L", 1.1, 3.2, 1.5, 0.4),
    ("neutrophils", "10^9/L", 1.8, 6.3, 4.0, 1.2),
    ("wbc", "10^9/L", 3.5, 9.5, 6.2, 1.5),
    ("platelets", "10^9/L", 125.0, 350.0, 240.0, 60.0),
    ("hemoglobin", "g/L", 130.0, 175.0, 128.0, 15.0),
    ("alt", "U/L", 9.0, 50.0, 22.0, 8.0),
    ("ast", "U/L", 15.0, 40.0, 24.0, 7.0),
    ("albumin", "g/L", 40.0, 55.0, 39.0, 4.0),
    ("creatinine", "umol/L", 57.0, 111.0, 75.0, 14.0),
    ("triglycerides", "mmol/L", 0.0, 1.7, 1.3, 0.4),
]


def _labs(cfg, subjects, last_dose, rng):
    """Labs every 3 weeks from baseline to last dose + 21 days; cytopenias dip during chemo."""
    starts = subjects["start_date"].to_numpy().astype("datetime64[D]")
    n_visits = ((last_dose - starts).astype(int) // 21) + 2
    v = np.arange(18)
    s, j = np.nonzero(v[None, :] < n_visits[:, None])
    frames = []
    for test, unit, lln, uln, mean, sd in _LABS:  # fixed list of tests, vectorised over results
        base = rng.normal(mean, sd, len(subjects))
        dip = 0.3 if test in ("lymphocytes", "neutrophils", "wbc", "platelets") else 0.05
        factor = np.where((j >= 1) & (j <= 5), 1 - dip * rng.random(len(s)), 1.0)
        value = np.maximum(base[s] * factor + rng.normal(0, sd * 0.2, len(s)), mean * 0.05)
        frames.append(
            pd.DataFrame(
                {
                    "subject_id": subjects["subject_id"].to_numpy()[s],
                    "date": starts[s] + (j * 21 - np.where(j == 0, 3, 0)).astype("timedelta64[D]"),
                    "test": test,
                    "value": np.round(value, 2),
                    "unit": unit,
                    "lln": lln,
                    "uln": uln,
                }
            )
        )
    labs = pd.concat(frames, ignore_index=True)
    alive = subjects["last_known_alive_date"].to_numpy().astype("datetime64[D]")
    lim = np.tile(alive[s], len(_LABS))  # each test's rows are the same (subject, visit) grid
    return labs[labs["date"].to_numpy() <= lim].reset_index(drop=True)


def _biomarkers(subjects, rng):
    """Tissue immune-cell densities (baseline, ~60 %) and serum cytokines; higher in responders."""
    n = len(subjects)
    good = np.isin(subjects["_class"].to_numpy(), ["CR", "PR"]).astype(float)
    ids = subjects["subject_id"].to_numpy()
    tissue = rng.random(n) < 0.6
    rows = []
    for name, med in (("CD8", 180.0), ("CD11c", 60.0), ("CD68", 120.0), ("PDL1", 40.0)):
        val = med * np.exp(rng.normal(0.5 * good - 0.25, 0.6, n))
        rows.append(
            pd.DataFrame(
                {
                    "subject_id": ids[tissue],
                    "name": name,
                    "timepoint": "baseline",
                    "value": np.round(val[tissue], 1),
                    "unit": "cells/mm2",
                }
            )
        )
    for name, med in (
        ("IFNG", 8.0),
        ("IL2", 2.0),
        ("IL4", 1.5),
        ("IL6", 6.0),
        ("IL10", 3.0),
        ("IL17", 4.0),
        ("IL37", 50.0),
        ("TNFA", 5.0),
    ):
        for tp, shift in (("baseline", 0.0), ("on_treatment", 0.2)):
            val = med * np.exp(rng.normal(shift + 0.3 * good, 0.5, n))
            rows.append(
                pd.DataFrame(
                    {
                        "subject_id": ids,
                        "name": name,
                        "timepoint": tp,
                        "value": np.round(val, 2),
                        "unit": "pg/mL",
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _screening(cfg, subjects, rng, prefix="C"):
    """Screening log: every enrolled subject plus excluded candidates with a reason."""
    n = len(subjects)
    n_excl = round(n * (cfg.screened_per_enrolled - 1))
    enrolled_date = subjects["start_date"].to_numpy().astype("datetime64[D]") - np.timedelta64(
        10, "D"
    )
    window = (cfg.accrual_end - cfg.accrual_start).days
    excl_date = _date(cfg.accrual_start, rng.integers(-10, window - 10, n_excl))
    frame = pd.DataFrame(
        {
            "screening_date": np.concatenate([enrolled_date, excl_date]),
            "outcome": ["enrolled"] * n + ["excluded"] * n_excl,
            "reason": [""] * n + list(rng.choice(np.array(cfg.exclusion_reasons), n_excl)),
            "subject_id": list(subjects["subject_id"]) + [""] * n_excl,
        }
    ).sort_values("screening_date", kind="stable")
    frame.insert(0, "candidate_id", numbered_ids(prefix, 1, len(frame), id_width(len(frame))))
    return frame.reset_index(drop=True)


def simulate_study(
    n: int,
    seed: int,
    config: SimulationConfig | None = None,
    chunk: int = 0,
    first: int = 1,
    width: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Simulate all tables of one study (or of one chunk of subjects ``first..first+n-1``).

    Keys are table names, ``_truth`` the latent course. Each chunk draws from its own
    ``SeedSequence([seed, chunk])``, so a chunked run is reproducible chunk by chunk. Subject
    ids are ``S`` + the number padded to ``width`` digits (default :func:`id_width` of the last
    number), so they sort as their numbers.
    """
    cfg = config or SimulationConfig()
    width = id_width(first + n - 1) if width is None else width
    sequence = np.random.SeedSequence([seed, chunk])
    streams = [np.random.default_rng(s) for s in sequence.spawn(8)]
    subjects = _subjects(cfg, n, streams[0], first, width)
    lesions = _lesions(subjects, streams[1])
    meas, new_les, pd_day = _measurements(cfg, subjects, lesions, streams[2])
    exposures, rt, events, gets_rt, last_dose = _treatment(cfg, subjects, lesions, streams[3])
    starts = subjects["start_date"].to_numpy().astype("datetime64[D]")
    truth = pd.DataFrame(
        {
            "subject_id": subjects["subject_id"],
            "true_response": subjects["_class"],
            "true_progression_date": starts
            + subjects["_pfs_day"].to_numpy().astype("timedelta64[D]"),
            "progression_scan_date": np.where(
                pd_day >= 0, starts + pd_day.astype("timedelta64[D]"), np.datetime64("NaT")
            ),
            "true_death_date": starts + subjects["_death_day"].to_numpy().astype("timedelta64[D]"),
            "received_rt": gets_rt,
        }
    )
    lesions_out = pd.concat(
        [lesions.drop(columns=["_baseline_mm", "_sub"]), new_les], ignore_index=True
    )
    return {
        "subjects": subjects.drop(columns=["_class", "_pfs_day", "_death_day"]),
        "lesions": lesions_out.sort_values(["subject_id", "lesion_id"], kind="stable").reset_index(
            drop=True
        ),
        "measurements": meas,
        "exposures": exposures,
        "radiotherapy": rt,
        "events": events.sort_values(["subject_id", "date"], kind="stable").reset_index(drop=True),
        "adverse_events": _adverse_events(cfg, subjects, gets_rt, last_dose, streams[4]),
        "labs": _labs(cfg, subjects, last_dose, streams[5]),
        "biomarkers": _biomarkers(subjects, streams[6]),
        "screening": _screening(cfg, subjects, streams[7], "C" if chunk == 0 else f"C{chunk:05d}_"),
        "_truth": truth,
    }


def write_study(
    out: Path | str,
    n: int,
    seed: int,
    config: SimulationConfig | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Path:
    """Write a simulated study folder and return it.

    Up to ``chunk_size`` subjects: one CSV per table. More: each table is a folder of Parquet
    parts (``<table>/part-00000.parquet``, one part per chunk of subjects), memory bounded by
    the chunk size (:func:`rtio.simulate.writer.write_tables`). ``_truth/`` holds the latent
    course; ``study.yaml`` marks it synthetic.
    """
    cfg = config or SimulationConfig()
    folder = Path(out)

    def generate(size: int, seed: int, chunk: int, first: int, width: int):
        return simulate_study(size, seed, cfg, chunk=chunk, first=first, width=width)

    write_tables(folder, generate, n, seed, id_width(n), chunk_size)
    settings = {
        "protocol": cfg.protocol,
        "data_cutoff": cfg.data_cutoff.isoformat(),
        "ctcae_version": "5.0",
        "synthetic": True,
        "seed": seed,
        "generator": "rtio.simulate",
    }
    (folder / "study.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    return folder

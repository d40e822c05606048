"""``rtio derive``: derive ADRS (timepoint and best overall responses), the lesion-level table
(each lesion's diameter per timepoint, irradiated or not), ADTTE (PFS, OS, DoR, TTR) and ADLB (CTCAE
graded labs) from a study folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from rtio.analyse.derived import baseline_window
from rtio.derive.ctcae import grade_labs
from rtio.derive.lesions_rt import lesion_trajectories
from rtio.derive.recist import best_overall_response, timepoint_responses
from rtio.derive.tte import derive_dor, derive_os, derive_pfs, derive_ttr
from rtio.io import load_study, write_table
from rtio.vocabulary import BASELINE_WINDOW_DAYS, DAYS_PER_MONTH, SD_MIN_DAYS


def derive(
    study: Path = typer.Argument(..., help="Study folder."),
    out: Path = typer.Option(..., "--out", help="Output folder for the derived tables."),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
    baseline_window_days: int | None = typer.Option(
        None,
        help=f"Baseline window in days (default: the protocol's, else {BASELINE_WINDOW_DAYS}).",
    ),
    sd_min_days: int = typer.Option(
        SD_MIN_DAYS, help="Minimum SD duration from day 1 (RECIST 1.1 §4.4.1)."
    ),
) -> None:
    """Derive RECIST 1.1 timepoint responses, BOR (confirmed and unconfirmed) and PFS/OS/DoR/TTR."""
    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter("must be csv or parquet", param_hint="--format")
    st = load_study(study)
    subjects = st.table("subjects")
    lesions, measurements = st.table("lesions"), st.table("measurements")
    if lesions is None or measurements is None:
        raise typer.BadParameter(
            f"{study}: needs lesions and measurements tables to derive responses",
            param_hint="STUDY",
        )
    window = baseline_window_days or baseline_window(st.protocol)
    cutoff = st.settings.data_cutoff
    if cutoff is not None:
        measurements = measurements[measurements["assessment_date"] <= pd.Timestamp(cutoff)]
    tp = timepoint_responses(
        lesions, measurements, subjects, st.table("radiotherapy"), baseline_window_days=window
    )
    bor_u = best_overall_response(tp, subjects, confirm=False, sd_min_days=sd_min_days)
    bor_c = best_overall_response(tp, subjects, confirm=True, sd_min_days=sd_min_days)
    adrs = pd.concat(
        [
            tp.assign(paramcd="OVR", adt=tp["assessment_date"], avalc=tp["overall_response"]),
            bor_u.assign(paramcd="BOR", adt=bor_u["bor_date"], avalc=bor_u["bor"]),
            bor_c.assign(paramcd="CBOR", adt=bor_c["bor_date"], avalc=bor_c["bor"]),
        ],
        ignore_index=True,
    )
    lead = ["subject_id", "paramcd", "adt", "avalc", "reason"]
    adrs = adrs[lead + [c for c in adrs.columns if c not in lead]]
    events = st.table("events")
    adtte = pd.concat(
        [
            derive_pfs(tp, subjects, data_cutoff=cutoff, events=events),
            derive_os(subjects, data_cutoff=cutoff),
            derive_dor(tp, subjects, bor_c, data_cutoff=cutoff, events=events),
            derive_ttr(tp, subjects, bor_c),
        ],
        ignore_index=True,
    )
    derived = {"adrs": adrs, "adtte": adtte}
    derived["adrs_lesions"] = lesion_trajectories(
        lesions, measurements, subjects, st.table("radiotherapy"), window
    )
    labs = st.table("labs")
    if labs is not None:
        derived["adlb"] = grade_labs(labs, version=st.settings.ctcae_version)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in derived.items():
        path = write_table(frame, out, name, format=fmt)
        typer.echo(f"{name}: {len(frame)} rows -> {path}")
    typer.echo(
        f"baseline window {window} days; durations in months = days / {DAYS_PER_MONTH}; "
        f"confirmed BOR: {bor_c['bor'].value_counts().to_dict()}"
    )

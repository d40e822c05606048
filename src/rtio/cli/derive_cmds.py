"""``rtio derive``: derive ADRS (timepoint and best overall responses), the lesion-level table
(each lesion's diameter per timepoint, irradiated or not), ADTTE (PFS, OS, DoR, TTR) and ADLB (CTCAE
graded labs) from a study folder — what the study's tables allow, saying what they do not."""

from __future__ import annotations

import enum
import functools
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from rtio.cli.common import check_out, default_out, folder_out, study_argument
from rtio.cli.group import UsageError
from rtio.vocabulary import BASELINE_WINDOW_DAYS, DAYS_PER_MONTH, SD_MIN_DAYS

if TYPE_CHECKING:
    import pandas as pd


class TableFormat(enum.StrEnum):
    """File format of the derived tables."""

    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


NO_LESIONS = "the study has no lesions / measurements tables"


def derive(
    study: Path = study_argument(),
    out: Path | None = typer.Option(
        None, "--out", help="Output folder (default: STUDY-derive beside the study)."
    ),
    fmt: TableFormat = typer.Option(TableFormat.csv, "--format", help="csv, parquet or xlsx."),
    baseline_window_days: int | None = typer.Option(
        None,
        min=0,
        help=f"Baseline window in days (default: the protocol's, else {BASELINE_WINDOW_DAYS}).",
    ),
    sd_min_days: int = typer.Option(
        SD_MIN_DAYS, min=0, help="Minimum SD duration from day 1 (RECIST 1.1 §4.4.1)."
    ),
) -> None:
    """Derive RECIST 1.1 timepoint responses, BOR (confirmed and unconfirmed), PFS/OS/DoR/TTR and
    graded labs; tables a study cannot support are listed, not failed."""
    from rtio.io import load_study
    from rtio.io.blocks import subject_blocks
    from rtio.io.outputs import manifest, output_folder, write_frame
    from rtio.pipeline import derive_in_blocks, write_derived_blocks

    target = check_out(folder_out(out or default_out(study, "derive")), {"study folder": study})
    blocks = subject_blocks(study)
    if blocks is not None and fmt is TableFormat.xlsx:
        raise UsageError(
            "a study in subject blocks is derived as csv or parquet", option="--format"
        )
    results = (
        iter([_derive_tables(load_study(study), baseline_window_days, sd_min_days)])
        if blocks is None
        else derive_in_blocks(
            study,
            blocks,
            functools.partial(
                _derive_tables, baseline_window_days=baseline_window_days, sd_min_days=sd_min_days
            ),
        )
    )
    derived, notes, window = next(results)
    options = {
        "format": fmt.value,
        "baseline_window_days": window,
        "sd_min_days": sd_min_days,
        "not_derived": notes,
    }
    written = []
    with output_folder(target, manifest("derive", options, study)) as tmp:
        if blocks is None:
            for name, frame in derived.items():
                written.append((name, len(frame), write_frame(frame, tmp, name, fmt.value).name))
        else:
            per_block = itertools.chain([derived], (tables for tables, *_ in results))
            written, derived = write_derived_blocks(per_block, tmp, fmt.value)
    for name, rows, file in written:
        typer.echo(f"{name}: {rows} rows -> {target / file}")
    for table, why in notes.items():
        typer.echo(f"{table}: not derived ({why})")
    summary = f"baseline window {window} days; durations in months = days / {DAYS_PER_MONTH}"
    if "adrs" in derived:
        adrs = derived["adrs"]
        counts = adrs.loc[adrs["paramcd"] == "CBOR", "avalc"].value_counts().to_dict()
        summary += f"; confirmed BOR: {counts}"
    typer.echo(summary)


def _derive_tables(
    st: Any, baseline_window_days: int | None, sd_min_days: int
) -> tuple[dict[str, pd.DataFrame], dict[str, str], int]:
    """The derived tables the study supports, the ones it does not (with why), the baseline window."""
    import pandas as pd

    from rtio.derive.ctcae import grade_labs
    from rtio.derive.lesions_rt import lesion_trajectories
    from rtio.derive.recist import best_overall_response, timepoint_responses
    from rtio.derive.tte import derive_dor, derive_os, derive_pfs, derive_ttr
    from rtio.io import timing

    subjects = st.table("subjects")
    lesions, measurements = st.table("lesions"), st.table("measurements")
    window = (
        baseline_window_days
        if baseline_window_days is not None
        else timing.baseline_window_days(st.protocol)
    )
    cutoff = st.settings.data_cutoff
    derived: dict[str, pd.DataFrame] = {}
    notes: dict[str, str] = {}
    os_rows = derive_os(subjects, data_cutoff=cutoff)
    adtte_parts = [os_rows]
    if lesions is None or measurements is None:
        for name in ("adrs", "adrs_lesions"):
            notes[name] = NO_LESIONS
        notes["adtte PFS, DoR, TTR"] = NO_LESIONS
    else:
        if cutoff is not None:
            measurements = measurements[measurements["assessment_date"] <= pd.Timestamp(cutoff)]
        rt = st.table("radiotherapy")
        tp = timepoint_responses(lesions, measurements, subjects, rt, baseline_window_days=window)
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
        derived["adrs"] = adrs[lead + [c for c in adrs.columns if c not in lead]]
        events = st.table("events")
        adtte_parts = [
            derive_pfs(tp, subjects, data_cutoff=cutoff, events=events),
            os_rows,
            derive_dor(tp, subjects, bor_c, data_cutoff=cutoff, events=events),
            derive_ttr(tp, subjects, bor_c),
        ]
        derived["adrs_lesions"] = lesion_trajectories(lesions, measurements, subjects, rt, window)
    derived["adtte"] = pd.concat(adtte_parts, ignore_index=True)
    labs = st.table("labs")
    if labs is None:
        notes["adlb"] = "the study has no labs table"
    else:
        derived["adlb"] = grade_labs(labs, version=st.settings.ctcae_version)
    return derived, notes, window

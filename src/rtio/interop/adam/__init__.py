"""ADaM out: ADSL, ADRS, ADTTE, ADAE and ADLB of a study folder, with define.json."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rtio.interop.adam.build import AdamBuilder, rtio_derived
from rtio.interop.adam.spec import ADAE, ADLB, ADRS, ADSL_VARIABLES, ADTTE, CODELISTS, STANDARD
from rtio.interop.datasets import DatasetSpec, Variable, check_format
from rtio.interop.define import write_exchange_folder
from rtio.io import Study, load_study
from rtio.vocabulary import SD_MIN_DAYS

__all__ = ["adam_datasets", "export_adam", "rtio_derived"]


def _adsl_spec(flags: list[tuple[str, str]]) -> DatasetSpec:
    population = tuple(
        Variable(
            n, label, "text", "NY", "Derived", "Protocol population (rtio.derive.populations)."
        )
        for n, label in flags
    )
    return DatasetSpec(
        "ADSL",
        "Subject-Level Analysis Dataset",
        (*ADSL_VARIABLES[:14], *population, *ADSL_VARIABLES[14:]),
        ("STUDYID", "USUBJID"),
        "One record per subject",
        STANDARD,
    )


def _complete(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """The dataset in spec order; an absent dataset (no AEs, no labs) is written with no records."""
    if frame.empty:
        return pd.DataFrame(
            {
                v.name: pd.Series(dtype=float if v.kind in ("integer", "float") else object)
                for v in spec.variables
            }
        )
    out = frame.copy()
    for var in spec.variables:
        if var.kind in ("text",):
            out[var.name] = out[var.name].astype(object).where(out[var.name].notna(), "")
        elif var.kind == "date":
            out[var.name] = pd.to_datetime(out[var.name])
    return out[spec.names]


def adam_datasets(
    study: Study, *, sd_min_days: int = SD_MIN_DAYS
) -> dict[str, tuple[DatasetSpec, pd.DataFrame]]:
    """The five ADaM datasets of a loaded study: name -> (spec, frame)."""
    builder = AdamBuilder(study, sd_min_days=sd_min_days)
    adsl, flags = builder.adsl()
    adrs = builder.adrs()
    out = {}
    for spec, frame in (
        (_adsl_spec(flags), adsl),
        (ADRS, adrs),
        (ADTTE, builder.adtte(adrs)),
        (ADAE, builder.adae()),
        (ADLB, builder.adlb()),
    ):
        out[spec.name] = (spec, _complete(frame, spec))
    return out


def export_adam(study: str | Path, out: str | Path, fmt: str = "xpt") -> list[Path]:
    """Write adsl, adrs, adtte, adae and adlb (lower-case names, the format's extension) and
    define.json into ``out``; returns the paths written."""
    check_format(fmt)
    study, out = Path(study), Path(out)
    if out.resolve() == study.resolve() or study.resolve() in out.resolve().parents:
        raise ValueError(f"--out {out} must not be inside the study folder {study}")
    datasets = adam_datasets(load_study(study))
    adsl = datasets["ADSL"][1]
    study_id = str(adsl["STUDYID"].iloc[0]) if len(adsl) else study.name
    return write_exchange_folder(
        out,
        datasets,
        fmt=fmt,
        study_id=study_id,
        standard=STANDARD,
        codelists=CODELISTS,
        command="export adam",
        study=study,
    )

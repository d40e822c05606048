"""A flat cohort table (one row per patient, as retrospective studies keep them) -> study folder:
``rtio import flat TABLE --mapping MAP.yaml --protocol ID --out STUDY``.

The mapping (YAML, docs/interop.md "Flat cohort tables") names the table's columns for each study
column, with optional value maps (``{column: sex, values: {male: M, female: F}}``) or constants
(``{value: IMRT}``). A count of cycles becomes one exposure record per cycle dated from the start
date at the protocol regimen's cycle length (the mapping gives one only where the protocol does
not, and the report says it is assumed); those records carry ``derived`` = true and the rule in
``derivation``, the count itself stays on the subject, and cycles that would fall after the last
date the patient is known alive are not created (the report lists them). Radiotherapy yes / no with
dates and dose becomes one course. Extra covariates keep their declared types (numbers stay
numbers: the study is written as Parquet unless asked otherwise).
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from rtio.interop.datasets import as_text
from rtio.interop.report import ImportReport, Rejector
from rtio.interop.sdtm.source import Imputation
from rtio.interop.studyfolder import check_output, write_study_folder
from rtio.interop.tablebuild import parse_column, typed_table
from rtio.io import SCHEMAS
from rtio.io.schema import Column


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Field(_Model):
    """A study value from a column (optionally recoded by ``values``) or a constant ``value``."""

    column: str | None = None
    value: Any = None
    values: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Field:
        if (self.column is None) == (self.value is None):
            raise ValueError("give either column or value")
        return self


FieldSpec = str | Field


class ExposureMapping(_Model):
    """How a count of cycles becomes exposure records."""

    cycles: str
    regimen: str | None = None
    drug: FieldSpec | None = None
    dose: FieldSpec | None = None
    dose_unit: FieldSpec | None = None
    cycle_length_days: int | None = None


class RadiotherapyMapping(_Model):
    """Radiotherapy yes / no with its dates and dose: one course per patient who had it."""

    given: FieldSpec
    start_date: FieldSpec
    end_date: FieldSpec
    fractions: FieldSpec
    dose_per_fraction_gy: FieldSpec | None = None
    total_dose_gy: FieldSpec | None = None
    planned_fractions: FieldSpec | None = None
    target: FieldSpec
    technique: FieldSpec

    @model_validator(mode="after")
    def _dose(self) -> RadiotherapyMapping:
        if (self.dose_per_fraction_gy is None) == (self.total_dose_gy is None):
            raise ValueError("give either dose_per_fraction_gy or total_dose_gy")
        return self


class Covariate(_Model):
    """An extra subject column, with its type."""

    column: str
    type: Literal["str", "int", "float", "date", "bool"]
    values: dict[str, Any] | None = None


class FlatMapping(_Model):
    """The mapping file of a flat cohort table."""

    subjects: dict[str, FieldSpec]
    exposure: ExposureMapping | None = None
    radiotherapy: RadiotherapyMapping | None = None
    covariates: dict[str, Covariate] = {}

    @model_validator(mode="after")
    def _columns(self) -> FlatMapping:
        known = set(SCHEMAS["subjects"].column_names)
        if "subject_id" not in self.subjects:
            raise ValueError("subjects: subject_id is required (the column holding the patient id)")
        unknown = sorted(set(self.subjects) - known)
        if unknown:
            raise ValueError(
                f"subjects: {', '.join(unknown)} are not subjects columns ({', '.join(sorted(known))}); put other columns under covariates"
            )
        clash = sorted(set(self.covariates) & known)
        if clash:
            raise ValueError(
                f"covariates: {', '.join(clash)} are subjects columns; map them under subjects"
            )
        return self


class _Loader(yaml.SafeLoader):
    """YAML where only true / false are booleans (so "yes" / "no" stay text, as in the table)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

EXAMPLES = ("yu2025-escc-local-rt",)
"""Protocols with an example flat mapping shipped with rtio (``data/flat-<protocol>.yaml``)."""


def example_mapping_path(protocol_id: str) -> Path:
    """The shipped example mapping for a protocol."""
    if protocol_id not in EXAMPLES:
        raise ValueError(
            f"no example flat mapping for {protocol_id!r}; examples: {', '.join(EXAMPLES)}"
        )
    return Path(str(resources.files("rtio.interop").joinpath(f"data/flat-{protocol_id}.yaml")))


def read_flat_mapping(path: Path) -> FlatMapping:
    """The mapping file, validated (a misspelt key is an error naming it)."""
    content = yaml.load(path.read_text(), Loader=_Loader) or {}
    try:
        return FlatMapping.model_validate(content)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"{path.name}: {problems}") from None


def read_flat_table(path: Path) -> pd.DataFrame:
    """The table (CSV, XLSX or Parquet) with every value as text."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])
    if suffix == ".parquet":
        frame = as_text(pd.read_parquet(path))
        return frame.set_axis(pd.read_parquet(path).columns, axis=1)
    if suffix in (".xlsx", ".xls"):
        raw = pd.read_excel(path, dtype=object)
        return as_text(raw).set_axis([str(c) for c in raw.columns], axis=1)
    raise ValueError(f"{path.name}: a flat table is CSV, XLSX or Parquet")


def _text(values: Any) -> str:
    if isinstance(values, bool):
        return "true" if values else "false"
    return "" if values is None else str(values)


class _FlatImport:
    def __init__(
        self,
        table: pd.DataFrame,
        file: str,
        mapping: FlatMapping,
        protocol: Any,
        imputation: Imputation,
        report: ImportReport,
    ) -> None:
        self.table = table.assign(_record=np.arange(1, len(table) + 1))
        self.file = file
        self.mapping = mapping
        self.protocol = protocol
        self.imputation = imputation
        self.report = report
        self.rejector = Rejector(report, "TABLE", file)
        self.length = self.cycle_length() if mapping.exposure is not None else 0
        self._check_columns()

    def _check_columns(self) -> None:
        """Every column the mapping names exists in the table (all missing ones listed at once)."""
        specs: list[FieldSpec | None] = list(self.mapping.subjects.values())
        exposure, rt = self.mapping.exposure, self.mapping.radiotherapy
        if exposure is not None:
            specs += [exposure.cycles, exposure.drug, exposure.dose, exposure.dose_unit]
        if rt is not None:
            specs += [getattr(rt, name) for name in RadiotherapyMapping.model_fields]
        specs += [c.column for c in self.mapping.covariates.values()]
        named = {
            spec if isinstance(spec, str) else spec.column for spec in specs if spec is not None
        }
        missing = sorted(c for c in named if c is not None and c not in self.table.columns)
        if missing:
            listed = ", ".join(repr(c) for c in missing)
            raise ValueError(f"{self.file}: no column {listed} (named in the mapping)")

    def column(self, spec: FieldSpec) -> tuple[pd.Series, str]:
        """(text values, source name) of a field."""
        if isinstance(spec, str):
            spec = Field(column=spec)
        if spec.column is None:
            return pd.Series(_text(spec.value), index=self.table.index, dtype=object), "(constant)"
        if spec.column not in self.table.columns:
            raise ValueError(f"{self.file}: no column {spec.column!r} (named in the mapping)")
        text = self.table[spec.column].astype(str).str.strip()
        if spec.values:
            exact = {str(k): _text(v) for k, v in spec.values.items()}
            folded = {str(k).lower(): _text(v) for k, v in spec.values.items()}
            text = text.map(lambda v: exact.get(v, folded.get(v.lower(), v)))
        return text, spec.column

    def subjects(self) -> pd.DataFrame:
        ids = self.column(self.mapping.subjects["subject_id"])[0]
        self.table["_subject"] = ids
        frame = self.table[["_record", "_subject"]].copy()
        sources = {}
        for name, spec in self.mapping.subjects.items():
            frame[name], sources[name] = self.column(spec)
        subjects = typed_table("subjects", frame, self.rejector, sources, self.imputation)
        for name, covariate in self.mapping.covariates.items():
            text, source = self.column(Field(column=covariate.column, values=covariate.values))
            values, reasons, flags = parse_column(
                Column(name, covariate.type, name, required=False, nullable=True),
                text,
                self.imputation,
                source,
                self.file,
            )
            self.rejector.reject(
                self.table, (reasons != "").to_numpy(), source, reasons, values=text
            )
            subjects[name] = values.reindex(subjects.index)
            if flags is not None and (flags != "").any():
                subjects[f"{name}_dtf"] = flags.reindex(subjects.index)
        duplicate = subjects["subject_id"].duplicated(keep="first")
        self.rejector.reject(
            self.table.loc[subjects.index],
            duplicate.to_numpy(),
            source_of(sources, "subject_id"),
            "the same subject id on an earlier row",
        )
        return subjects[~subjects["_record"].isin(self.rejector.rejected)]

    def _regimen(self) -> Any:
        exposure = self.mapping.exposure
        assert exposure is not None
        if exposure.regimen is None:
            return None
        return self.protocol.regimen(exposure.regimen)

    def cycle_length(self) -> int:
        """Days between cycles: the protocol regimen's; the mapping's only where it gives none."""
        exposure = self.mapping.exposure
        assert exposure is not None
        regimen = self._regimen()
        from_protocol = None if regimen is None else regimen.cycle_length_days
        if from_protocol is not None and exposure.cycle_length_days not in (None, from_protocol):
            raise ValueError(
                f"cycle_length_days {exposure.cycle_length_days} contradicts the protocol regimen {regimen.id!r} ({from_protocol} days)"
            )
        if from_protocol is not None:
            self.report.options["cycle_length_days"] = (
                f"{from_protocol} (protocol regimen {regimen.id})"
            )
            return int(from_protocol)
        if exposure.cycle_length_days is None:
            where = f"regimen {regimen.id!r}" if regimen is not None else "no regimen"
            raise ValueError(
                f"the protocol gives no cycle length ({where}); give exposure.cycle_length_days in the mapping"
            )
        self.report.options["cycle_length_days"] = (
            f"{exposure.cycle_length_days} (assumed in the mapping: the protocol gives none)"
        )
        return exposure.cycle_length_days

    def _drug_field(self, name: str, default: Any) -> pd.Series:
        exposure = self.mapping.exposure
        spec = getattr(exposure, name)
        if spec is None:
            if default is None:
                raise ValueError(
                    f"exposure.{name}: the mapping gives none and the protocol regimen has none"
                )
            spec = Field(value=default)
        return self.column(spec)[0]

    def exposures(self, subjects: pd.DataFrame) -> tuple[pd.DataFrame | None, pd.Series | None]:
        """Exposure records derived from the cycle count, and the count of each subject row."""
        exposure = self.mapping.exposure
        if exposure is None:
            return None, None
        regimen = self._regimen()
        length = self.length
        count_column = Column(
            exposure.cycles, "int", "cycles", required=False, nullable=True, minimum=0
        )
        text, _ = self.column(exposure.cycles)
        counts, reasons, _ = parse_column(
            count_column, text, self.imputation, exposure.cycles, self.file
        )
        self.rejector.reject(
            self.table, (reasons != "").to_numpy(), exposure.cycles, reasons, values=text
        )
        dose = regimen.dose if regimen is not None else None
        drug = self._drug_field("drug", None if regimen is None else regimen.drug)
        amount = self._drug_field("dose", None if dose is None else dose.value)
        unit = self._drug_field("dose_unit", None if dose is None else dose.unit)
        subjects = subjects[~subjects["_record"].isin(self.rejector.rejected)]
        n = counts.reindex(subjects.index).fillna(0).astype(int).to_numpy()
        rows = np.repeat(subjects.index.to_numpy(), n)
        cycle = np.concatenate([np.arange(1, k + 1) for k in n]) if n.sum() else np.array([], int)
        start = pd.to_datetime(subjects.loc[rows, "start_date"]).to_numpy()
        date = pd.Series(start + ((cycle - 1) * length).astype("timedelta64[D]"))
        table = pd.DataFrame(
            {
                "_record": subjects.loc[rows, "_record"].to_numpy(),
                "_subject": subjects.loc[rows, "subject_id"].to_numpy(),
                "subject_id": subjects.loc[rows, "subject_id"].to_numpy(),
                "drug": drug.loc[rows].to_numpy(),
                "dose": amount.loc[rows].to_numpy(),
                "dose_unit": unit.loc[rows].to_numpy(),
                "date": date.dt.strftime("%Y-%m-%d").to_numpy(),
                "cycle": cycle.astype(str),
                "derived": True,
                "derivation": [
                    f"cycle {c} of {k}: start_date + ({c} - 1) x {length} days, from the count in {exposure.cycles}"
                    for c, k in zip(cycle, np.repeat(n, n), strict=True)
                ],
            }
        )
        table = self._within_follow_up(table, subjects, counts, exposure.cycles)
        sources = {
            "drug": "exposure.drug",
            "dose": "exposure.dose",
            "dose_unit": "exposure.dose_unit",
        }
        return typed_table("exposures", table, self.rejector, sources, Imputation()), counts

    def _within_follow_up(
        self, table: pd.DataFrame, subjects: pd.DataFrame, counts: pd.Series, count: str
    ) -> pd.DataFrame:
        """Derived cycles dated after the patient's last known date are not created (reported)."""
        by_id = subjects.assign(_n=counts.reindex(subjects.index)).set_index("subject_id")
        planned: dict[Any, str] = by_id["_n"].astype("Int64").astype(str).to_dict()
        last = pd.concat([by_id["last_known_alive_date"], by_id["death_date"]], axis=1).max(axis=1)
        end = table["subject_id"].map(last)
        late = (end.notna() & (pd.to_datetime(table["date"]) > end)).to_numpy()
        if late.any():
            dropped = table[late].groupby("subject_id").size()
            listed = ", ".join(
                f"{subject} ({k} of {planned[subject]})"
                for subject, k in dropped.astype(str).to_dict().items()
            )
            self.report.derivations.append(
                f"exposures: {int(late.sum())} derived cycles would fall after the last date the "
                f"patient is known alive and are not created; their count stays in subjects.{count}: {listed}"
            )
        return table[~late]

    def radiotherapy(self, subjects: pd.DataFrame) -> pd.DataFrame | None:
        rt = self.mapping.radiotherapy
        if rt is None:
            return None
        given_text, given_source = self.column(rt.given)
        given, reasons, _ = parse_column(
            Column("given", "bool", "given", required=True),
            given_text,
            self.imputation,
            given_source,
            self.file,
        )
        self.rejector.reject(
            self.table, (reasons != "").to_numpy(), given_source, reasons, values=given_text
        )
        frame = self.table[["_record", "_subject"]].copy()
        sources = {}
        for name in (
            "start_date",
            "end_date",
            "fractions",
            "planned_fractions",
            "target",
            "technique",
        ):
            spec = getattr(rt, name)
            if spec is not None:
                frame[name], sources[name] = self.column(spec)
        if rt.dose_per_fraction_gy is not None:
            frame["dose_per_fraction_gy"], sources["dose_per_fraction_gy"] = self.column(
                rt.dose_per_fraction_gy
            )
        else:
            assert rt.total_dose_gy is not None
            total, source = self.column(rt.total_dose_gy)
            total_gy = pd.to_numeric(total.where(total != ""), errors="coerce")
            self.rejector.reject(
                self.table,
                (total.ne("") & total_gy.isna()).to_numpy(),
                source,
                "not a number",
                values=total,
            )
            per = total_gy / pd.to_numeric(frame["fractions"], errors="coerce")
            frame["dose_per_fraction_gy"] = per.map(lambda v: "" if pd.isna(v) else repr(float(v)))
            sources["dose_per_fraction_gy"] = f"{source} / {sources['fractions']}"
        had = given.fillna(False).astype(bool).to_numpy()
        stray = ~had & (frame[["start_date", "end_date"]] != "").any(axis=1).to_numpy()
        self.rejector.reject(
            self.table,
            stray,
            given_source,
            "radiotherapy dates given for a patient without radiotherapy",
            values=given_text,
        )
        frame = frame[had & self.table["_subject"].isin(subjects["subject_id"]).to_numpy()]
        frame["subject_id"] = frame["_subject"]
        return typed_table("radiotherapy", frame, self.rejector, sources, self.imputation)


def source_of(sources: dict[str, str], column: str) -> str:
    return sources.get(column, column)


def import_flat(
    table: str | Path,
    mapping: str | Path,
    protocol: Any,
    out: str | Path,
    *,
    imputation: Imputation = Imputation(),
    cutoff: dt.date | None = None,
    fmt: str = "parquet",
    protocol_file: Path | None = None,
    overwrite: bool = False,
) -> ImportReport:
    """Import a flat one-row-per-patient table into the study folder ``out``."""
    table, mapping, out = Path(table), Path(mapping), Path(out)
    check_output(out, [table], overwrite)
    report = ImportReport("flat", str(table), protocol.id)
    report.options = {
        "mapping": str(mapping),
        "impute": imputation.rule,
        "cutoff": cutoff.isoformat() if cutoff else None,
        "format": fmt,
    }
    job = _FlatImport(
        read_flat_table(table), table.name, read_flat_mapping(mapping), protocol, imputation, report
    )
    subjects = job.subjects()
    exposures, counts = job.exposures(subjects)
    if counts is not None:
        assert job.mapping.exposure is not None
        subjects[job.mapping.exposure.cycles] = counts.reindex(subjects.index).astype("Int64")
    radiotherapy = job.radiotherapy(subjects)
    standing = ~subjects["_record"].isin(job.rejector.rejected)
    subjects = subjects[standing]
    tables = {"subjects": subjects}
    for name, frame in (("exposures", exposures), ("radiotherapy", radiotherapy)):
        if frame is not None:
            tables[name] = frame[
                frame["subject_id"].isin(subjects["subject_id"])
                & ~frame["_record"].isin(job.rejector.rejected)
            ]
    report.count("TABLE", table.name, len(job.table), int(standing.sum()))
    settings = {
        "protocol": protocol.id,
        "data_cutoff": cutoff.isoformat() if cutoff else None,
        "ctcae_version": "5.0",
        "notes": [
            f"Imported from the flat table {table.name} by rtio import flat (mapping {mapping.name})."
        ],
    }
    write_study_folder(
        out, tables, settings, report, fmt=fmt, protocol_file=protocol_file, overwrite=overwrite
    )
    return report

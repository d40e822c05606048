"""Validation of a study: every problem at once, each naming file, row, column, value and rule.

One rule set, two callers: a study folder (:func:`check_folder`, behind
:func:`rtio.io.validate_study` and :func:`rtio.io.load_study`) and tables held in memory
(:func:`validate_tables`, for the capture service and importers) are parsed and checked by the
same functions. Validation is total: it never raises on what a study holds, and a rule that
cannot finish is itself reported (rule ``internal``) while the others run.

Every rule that derivation, analysis and report rely on is checked here, in one pass, so that
what validation accepts they complete on (the list is in ``docs/study-format.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from rtio.io import clinical, consistency, plausibility, timing
from rtio.io.checked import CheckedStudy, Rule, run_rules
from rtio.io.issues import Collector, ValidationReport
from rtio.io.parsing import normalised_name, parse_table
from rtio.io.readers import TABLE_SUFFIXES, find_table_source, raw_from_frame, read_raw_table
from rtio.io.schema import SCHEMAS
from rtio.io.settings import StudySettings

__all__ = [
    "EXTRA_FILES",
    "PROTOCOL_FILE",
    "RULES",
    "SETTINGS_FILE",
    "check_folder",
    "check_tables",
    "resolve_protocol",
    "validate_tables",
]

SETTINGS_FILE = "study.yaml"
PROTOCOL_FILE = "protocol.yaml"
EXTRA_FILES = frozenset({"import-report.json", "manifest.json"})
"""rtio's own files that a study folder may hold besides its tables (DESIGN, round 2)."""

RULES: list[Rule] = [
    consistency.check_has_subjects,
    consistency.check_keys,
    consistency.check_references,
    consistency.check_duplicate_timepoints,
    consistency.check_subject_dates,
    consistency.check_dates_before_birth,
    consistency.check_dates_after_death,
    consistency.check_end_after_start,
    consistency.check_measurement_status,
    consistency.check_planned_fractions,
    consistency.check_screening,
    plausibility.check_column_limits,
    clinical.check_lab_units,
    plausibility.check_lab_limits,
    plausibility.check_lab_normal_range,
    clinical.check_ctcae_version,
    clinical.check_ctcae_terms,
    clinical.check_arms,
    clinical.check_rt_targets,
    timing.check_baseline_scans,
    timing.check_responses_before_day1,
    timing.check_adverse_event_timing,
    timing.check_treatment_before_day1,
    timing.check_screening_before_treatment,
    timing.check_start_after_cutoff,
    timing.check_after_cutoff,
    clinical.check_deviations,
]
"""Every rule across rows and tables, in the order they run (after each table is parsed)."""


# ---------------------------------------------------------------- study.yaml and the protocol


class _TextDateLoader(yaml.SafeLoader):
    """A safe YAML loader that leaves dates as text, so pydantic parses (and names) them."""


_TextDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_settings(folder: Path, collect: Collector) -> tuple[StudySettings | None, str | None]:
    path = folder / SETTINGS_FILE
    if not path.is_file():
        if (folder / PROTOCOL_FILE).is_file():
            return StudySettings.model_validate({}), PROTOCOL_FILE
        collect.add(
            "error",
            SETTINGS_FILE,
            "settings",
            f"the study folder has neither {SETTINGS_FILE} nor {PROTOCOL_FILE}",
        )
        return None, None
    try:
        content = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_TextDateLoader) or {}
    except UnicodeDecodeError:
        collect.add("error", SETTINGS_FILE, "encoding", "the file is not UTF-8: save it as UTF-8")
        return None, None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        collect.add("error", SETTINGS_FILE, "settings", f"not valid YAML: {problem}", row=line)
        return None, None
    if not isinstance(content, dict):
        collect.add("error", SETTINGS_FILE, "settings", "must be a mapping of settings")
        return None, None
    settings = _settings_from(content, collect)
    if settings is None:
        return None, None
    if settings.protocol is None and (folder / PROTOCOL_FILE).is_file():
        return settings, PROTOCOL_FILE
    return settings, settings.protocol


def _settings_from(content: Mapping[str, Any], collect: Collector) -> StudySettings | None:
    try:
        return StudySettings.model_validate(dict(content))
    except ValidationError as exc:
        for error in exc.errors():
            field_path = ".".join(str(p) for p in error["loc"])
            given = error.get("input")
            collect.add(
                "error",
                SETTINGS_FILE,
                "settings",
                f"{field_path}: {error['msg']}",
                column=field_path,
                value=None if isinstance(given, dict | list) else given,
            )
        return None


@cache
def shipped_protocol(protocol_id: str) -> Any:
    """A shipped protocol, parsed once per process (callers get a deep copy)."""
    from rtio.protocol import load_protocol

    return load_protocol(protocol_id)


def resolve_protocol(folder: Path | None, ref: str | None, collect: Collector) -> Any:
    """The protocol ``study.yaml`` names, by :func:`rtio.protocol.load_protocol`: a shipped id,
    else a YAML file inside the study folder (an absolute path, or one that leads out of the
    folder, is refused and never read). Tables held in memory may name a shipped id only."""
    from rtio.protocol import load_protocol
    from rtio.protocol.loader import is_shipped

    if ref is None:
        collect.add(
            "error", SETTINGS_FILE, "protocol", "study.yaml names no protocol", column="protocol"
        )
        return None
    try:
        if is_shipped(ref) and (folder is None or not (folder / ref).exists()):
            return shipped_protocol(ref).model_copy(deep=True)
        if folder is None:
            raise ValueError(f"{ref!r} is not a shipped protocol id; give a Protocol object")
        return load_protocol(ref, within=folder)
    except Exception as exc:  # the loader's message names the file and field at fault
        collect.add(
            "error",
            SETTINGS_FILE,
            "protocol",
            f"cannot load the protocol: {exc}",
            column="protocol",
            value=ref,
        )
        return None


# ---------------------------------------------------------------- reading a folder


def _table_file_hint(path: Path) -> str | None:
    """The table a misnamed file looks like ("Subjects.csv", "adverse-events.CSV")."""
    stem = path.name if path.is_dir() else path.stem
    if not path.is_dir() and path.suffix.lower() not in TABLE_SUFFIXES:
        return None
    normal = normalised_name(stem)
    for name in SCHEMAS:
        if normal in (name, name.rstrip("s"), name + "s"):
            return name
    return None


def _report_other_files(folder: Path, protocol_ref: str | None, collect: Collector) -> None:
    known = {SETTINGS_FILE, PROTOCOL_FILE, *EXTRA_FILES}
    if protocol_ref is not None:
        known.add(Path(protocol_ref).parts[0])
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")) or path.name in known:
            continue
        stem = path.name if path.is_dir() else path.stem
        if stem in SCHEMAS and (path.is_dir() or path.suffix in TABLE_SUFFIXES):
            continue
        table = _table_file_hint(path)
        if table is not None:
            suffix = "" if path.is_dir() else path.suffix.lower()
            collect.add(
                "error",
                path.name,
                "file_name",
                f"looks like the {table} table but is not named as one: name it {table}{suffix}"
                f" (tables: {', '.join(f'{t}.csv' for t in SCHEMAS)})",
            )
            continue
        collect.add(
            "warning",
            path.name,
            "unknown_file",
            "not a study table (tables: " + ", ".join(SCHEMAS) + "); ignored",
        )


def _read_tables(study: CheckedStudy, folder: Path, collect: Collector) -> None:
    for name, schema in SCHEMAS.items():
        sources = find_table_source(folder, name)
        if len(sources) > 1:
            listed = ", ".join(p.name for p in sources)
            collect.add(
                "error",
                sources[0].name,
                "ambiguous_table",
                f"table {name!r} is given more than once ({listed}); keep one",
            )
            continue
        if not sources:
            if schema.required:
                collect.add(
                    "error", f"{name}.csv", "missing_table", f"the required {name} table is missing"
                )
            continue
        source = sources[0]
        try:
            raw = read_raw_table(source, name, folder, collect)
            if raw is not None:
                study.parsed[name] = parse_table(raw, schema, collect)
        except Exception as exc:  # a reader fault must not hide the other tables' problems
            collect.add(
                "error",
                str(source.relative_to(folder)),
                "internal",
                f"rtio could not read this table ({type(exc).__name__}: {exc}); this is a "
                "fault in rtio: please report it with the file",
            )


def check_folder(folder: str | Path, *, data_cutoff: dt.date | None = None) -> CheckedStudy:
    """Read and check a study folder: settings, protocol, every table and every rule.

    ``data_cutoff`` overrides ``study.yaml``'s (the command line's ``--cutoff``)."""
    path = Path(folder)
    report = ValidationReport(str(path))
    collect = Collector(report)
    study = CheckedStudy(report, folder=path)
    if not path.is_dir():
        collect.add("error", str(path), "missing_folder", "study folder does not exist")
        return study
    settings, ref = _read_settings(path, collect)
    if settings is not None and data_cutoff is not None:
        settings = _settings_from({**dict(settings), "data_cutoff": data_cutoff}, collect)
    study.settings, study.protocol_ref = settings, ref
    if settings is not None or ref is not None:
        study.protocol = resolve_protocol(path, ref, collect)
    _read_tables(study, path, collect)
    _report_other_files(path, ref, collect)
    run_rules(study, RULES, collect)
    return study


# ---------------------------------------------------------------- tables in memory


def _as_pandas(data: object) -> pd.DataFrame | None:
    if isinstance(data, pd.DataFrame):
        return data
    if hasattr(data, "to_pandas"):
        converted = data.to_pandas()
        return converted if isinstance(converted, pd.DataFrame) else None
    if isinstance(data, np.ndarray) and data.dtype.names:
        return pd.DataFrame.from_records(data)
    return None


def check_tables(
    tables: Mapping[str, object],
    *,
    protocol: Any = None,
    settings: StudySettings | Mapping[str, Any] | None = None,
    study: str = "<tables>",
) -> CheckedStudy:
    """Check tables held in memory by the rules a study folder is checked by; returns the typed
    tables with the report (see :func:`validate_tables`)."""
    report = ValidationReport(study)
    collect = Collector(report)
    checked = CheckedStudy(report)
    if settings is None or isinstance(settings, StudySettings):
        checked.settings = settings or StudySettings.model_validate({})
    else:
        checked.settings = _settings_from(settings, collect)
    if isinstance(protocol, str | Path):
        protocol = resolve_protocol(None, str(protocol), collect)
    checked.protocol = protocol
    for name, data in tables.items():
        if name not in SCHEMAS:
            collect.add(
                "warning",
                str(name),
                "unknown_table",
                "not a study table (tables: " + ", ".join(SCHEMAS) + "); ignored",
            )
            continue
        frame = _as_pandas(data)
        if frame is None:
            collect.add(
                "error",
                name,
                "type",
                f"expected a pandas or polars DataFrame or a numpy record array, not "
                f"{type(data).__name__}",
            )
            continue
        try:
            checked.parsed[name] = parse_table(
                raw_from_frame(name, frame, collect), SCHEMAS[name], collect
            )
        except Exception as exc:  # a parser fault must not hide the other tables' problems
            collect.add(
                "error",
                name,
                "internal",
                f"rtio could not read this table ({type(exc).__name__}: {exc}); this is a "
                "fault in rtio: please report it",
            )
    for name, schema in SCHEMAS.items():
        if schema.required and name not in tables:
            collect.add("error", name, "missing_table", f"the required {name} table is missing")
    run_rules(checked, RULES, collect)
    return checked


def validate_tables(
    tables: Mapping[str, object],
    *,
    protocol: Any = None,
    settings: StudySettings | Mapping[str, Any] | None = None,
) -> ValidationReport:
    """Validate study tables held in memory (the capture service, importers) by exactly the rules
    of a study folder.

    ``tables``: {table name: pandas / polars DataFrame or numpy record array}, columns as in the
    study format (text cells are parsed as a CSV's would be, typed cells kept). ``protocol``: a
    :class:`rtio.protocol.Protocol` or a shipped protocol id (None: protocol rules are skipped).
    ``settings``: the study-level settings (a :class:`StudySettings` or its mapping, as in
    ``study.yaml``). Issues name the table as ``file`` and rows from 1 (the frame's first row is
    row 1).
    """
    return check_tables(tables, protocol=protocol, settings=settings).report

"""Time-to-event parameters (ADTTE rows) from declared event and censoring sources: PFS, OS, DoR,
TTR.

Rules: RECIST 1.1 §4.5 (Eisenhauer 2009) for the response-based durations; the PFS censoring
options follow FDA guidance "Clinical Trial Endpoints for the Approval of Cancer Drugs and
Biologics" (2018), Table A ("PFS date of progression or censoring").

A parameter is declared, as CDISC ADaM's ADTTE is built in pharmaverse admiral
(``derive_param_tte`` with ``event_source`` / ``censor_source``): each kind of record that ends
follow-up is an :class:`EventSource` and each that censors it a :class:`CensorSource` — the table it
comes from, its date column, the condition a record must meet and the description it gives the
row. :func:`derive_param_tte` then takes, per subject, the earliest event, or, without one, the
latest censoring record (else the origin itself). Every row records where its date came from:
``srcdom`` (the table, as an ADaM dataset name), ``srcvar`` (the date column), ``srcseq`` (the
1-based row of that table; missing for subject-level tables) and ``adtf`` (the ADaM --DTF flag of
the date when the source table carries a ``<date>_dtf`` column from
:func:`rtio.frames.impute_date_columns`; "" otherwise).

Every row is one subject x parameter with the ADaM columns ``subject_id, paramcd, param,
start_date, adt, aval_days, aval_months, cnsr (0 event, 1 censored), evntdesc, cnsdtdsc, srcdom,
srcvar, srcseq, adtf``. Months = days / DAYS_PER_MONTH (:mod:`rtio.vocabulary`).
``aval_days = adt − start_date`` (add ``add_one=True`` for the "+1 day" convention).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from rtio.frames import (
    DateLike,
    FrameLike,
    as_frame,
    read_date,
    read_dates,
    require_columns,
)
from rtio.lookup import by_key
from rtio.vocabulary import (
    DAYS_PER_MONTH,
    OBJECTIVE_RESPONSE,
    CensorDescription,
    EventDescription,
    Response,
)

__all__ = [
    "DEATH",
    "DEATH_OS",
    "FIRST_RESPONSE",
    "LAST_ADEQUATE_ASSESSMENT",
    "LAST_KNOWN_ALIVE",
    "NEW_ANTICANCER_THERAPY",
    "PROGRESSION",
    "CensorSource",
    "Condition",
    "EventSource",
    "ObservationEnd",
    "derive_dor",
    "derive_os",
    "derive_param_tte",
    "derive_pfs",
    "derive_ttr",
]

Window = Literal["after_start", "from_start", "any"]
"""Which records of a source count relative to a subject's start: strictly after it, on or after
it, or any date."""

_COLS = [
    "subject_id",
    "paramcd",
    "param",
    "start_date",
    "adt",
    "aval_days",
    "aval_months",
    "cnsr",
    "evntdesc",
    "cnsdtdsc",
    "srcdom",
    "srcvar",
    "srcseq",
    "adtf",
]
_DOMAINS = {"subjects": "ADSL", "responses": "ADRS", "events": "EVENTS"}
"""ADaM dataset names recorded in ``srcdom`` for rtio's tables."""
_SUBJECT_LEVEL = frozenset({"subjects"})
"""Tables with one row per subject: their records have no ``srcseq``."""


@dataclass(frozen=True)
class Condition:
    """Records whose ``column`` holds one of ``values`` (e.g. overall_response in PD)."""

    column: str
    values: tuple[str, ...]

    def holds(self, table: pd.DataFrame) -> np.ndarray:
        """Mask of the rows of ``table`` that meet the condition."""
        return table[self.column].isin(self.values).to_numpy(dtype=bool)


@dataclass(frozen=True)
class EventSource:
    """Records that end follow-up with an event (ADTTE ``cnsr = 0``), as admiral's
    ``event_source``: from ``table``, dated by ``date``, where ``condition`` holds (every record with a
    date when None), within ``window`` of the start; ``description`` becomes ``evntdesc``."""

    table: str
    date: str
    description: str
    condition: Condition | None = None
    window: Window = "after_start"


@dataclass(frozen=True)
class CensorSource:
    """Records at which follow-up is censored (``cnsr = censor``), as admiral's ``censor_source``;
    ``description`` becomes ``cnsdtdsc``. A record dated on or after the subject's first event from
    the same table is not used (an assessment after progression is not one without it)."""

    table: str
    date: str
    description: str
    condition: Condition | None = None
    window: Window = "after_start"
    censor: int = 1


@dataclass(frozen=True)
class ObservationEnd:
    """The first record of ``table`` meeting ``condition`` ends observation (FDA 2018 Table A: new
    anticancer therapy): later records of every source are ignored, and a subject censored after it
    gets ``description``."""

    table: str
    date: str
    description: str
    condition: Condition | None = None


# ---- the declared sources of rtio's parameters -----------------------------------------------

PROGRESSION = EventSource(
    "responses",
    "assessment_date",
    EventDescription.PROGRESSION.value,
    Condition("overall_response", (Response.PD.value,)),
)
"""First PD (its date is the first scan showing progression; RECIST 1.1 §4.5)."""
DEATH = EventSource("subjects", "death_date", EventDescription.DEATH.value, window="from_start")
"""Death from any cause on or after the start (PFS, DoR)."""
DEATH_OS = EventSource("subjects", "death_date", EventDescription.DEATH.value, window="any")
"""Death from any cause (OS)."""
FIRST_RESPONSE = EventSource(
    "responses",
    "assessment_date",
    EventDescription.FIRST_RESPONSE.value,
    Condition("overall_response", OBJECTIVE_RESPONSE),
)
"""First timepoint meeting CR or PR criteria (TTR)."""
LAST_ADEQUATE_ASSESSMENT = CensorSource(
    "responses",
    "assessment_date",
    CensorDescription.LAST_ADEQUATE_ASSESSMENT.value,
    Condition("overall_response", tuple(r.value for r in Response if r is not Response.NE)),
)
"""Last adequate tumour assessment: CR, PR, SD, NON-CR/NON-PD (FDA 2018 Table A)."""
LAST_KNOWN_ALIVE = CensorSource(
    "subjects", "last_known_alive_date", CensorDescription.LAST_KNOWN_ALIVE.value, window="any"
)
"""Last date known alive (OS)."""
NEW_ANTICANCER_THERAPY = ObservationEnd(
    "events",
    "date",
    CensorDescription.NEW_ANTICANCER_THERAPY.value,
    Condition("kind", ("new_anticancer_therapy",)),
)
"""Start of a new anticancer therapy (FDA 2018 Table A)."""


@dataclass(frozen=True)
class _Chosen:
    """Per distinct subject of the origin: the record a set of sources chose (NaT / -1 where
    none)."""

    date: np.ndarray  # datetime64[ns]
    source: np.ndarray  # index into the source list, -1 none
    seq: np.ndarray  # 1-based row of the source table, NaN for subject-level tables
    flag: np.ndarray  # --DTF flag of the date ("" when not imputed)


@dataclass(frozen=True)
class _Origin:
    """The origin's distinct subjects (``ids``; ``code`` maps origin rows to them) and their start."""

    ids: pd.Index
    code: np.ndarray
    start: np.ndarray  # datetime64[ns] per distinct subject


_NAT = np.datetime64("NaT", "ns")


def _records(
    tables: Mapping[str, pd.DataFrame],
    origin: _Origin,
    source: EventSource | CensorSource | ObservationEnd,
    end: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """The source's usable records as arrays: subject code, date, seq, flag (condition, window
    and end of observation applied). Vectorised: one index lookup per table."""
    if source.table not in tables:
        return {
            "code": np.array([], dtype=np.int64),
            "date": np.array([], dtype="datetime64[ns]"),
            "seq": np.array([], dtype=float),
            "flag": np.array([], dtype=object),
        }
    table = tables[source.table]
    require_columns(table, source.table, ["subject_id", source.date])
    date = read_dates(table, source.table, source.date).to_numpy(dtype="datetime64[ns]")
    code = origin.ids.get_indexer(pd.Index(table["subject_id"].astype(str)))
    keep = ~np.isnat(date) & (code >= 0)
    if not len(origin.ids):  # no subject to follow: nothing to look up
        code = np.full(len(table), -1)
        keep[:] = False
        origin = _Origin(origin.ids, origin.code, np.full(1, _NAT))
        end = None if end is None else np.full(1, _NAT)
    if source.condition is not None:
        require_columns(table, source.table, [source.condition.column])
        keep &= source.condition.holds(table)
    start = origin.start[np.maximum(code, 0)]
    window = getattr(source, "window", "any")
    if window == "after_start":
        keep &= date > start
    elif window == "from_start":
        keep &= date >= start
    if end is not None:
        stop = end[np.maximum(code, 0)]
        keep &= np.isnat(stop) | (date <= stop)
    flag_column = f"{source.date}_dtf"
    flag = (
        table[flag_column].fillna("").to_numpy(dtype=object)
        if flag_column in table.columns
        else np.full(len(table), "", dtype=object)
    )
    return {
        "code": code[keep],
        "date": date[keep],
        "seq": table["_seq"].to_numpy(dtype=float)[keep],
        "flag": flag[keep],
    }


def _choose(
    tables: Mapping[str, pd.DataFrame],
    origin: _Origin,
    sources: Sequence[EventSource | CensorSource | ObservationEnd],
    end: np.ndarray | None,
    latest: bool,
    before: Mapping[str, np.ndarray] | None = None,
) -> _Chosen:
    """Per subject, the earliest (``latest=False``) or latest record over the sources; ties go to
    the source declared first, then the first row. ``before``: per table, a per-subject date that
    records of that table must precede (NaT: no limit)."""
    parts = []
    for k, source in enumerate(sources):
        rows = _records(tables, origin, source, end)
        if before is not None and source.table in before:
            limit = before[source.table][rows["code"]]
            ok = np.isnat(limit) | (rows["date"] < limit)
            rows = {key: value[ok] for key, value in rows.items()}
        parts.append({**rows, "source": np.full(len(rows["code"]), k)})
    n = len(origin.ids)
    out = _Chosen(
        np.full(n, _NAT),
        np.full(n, -1, dtype=np.int64),
        np.full(n, np.nan),
        np.full(n, "", dtype=object),
    )
    if not parts:
        return out
    rows = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    if not len(rows["code"]):
        return out
    day = rows["date"].astype(np.int64)
    order = np.lexsort((rows["seq"], rows["source"], -day if latest else day, rows["code"]))
    codes, first = np.unique(rows["code"][order], return_index=True)
    pick = order[first]
    out.date[codes] = rows["date"][pick]
    out.source[codes] = rows["source"][pick]
    out.seq[codes] = rows["seq"][pick]
    out.flag[codes] = rows["flag"][pick]
    return out


def _describe(sources: Sequence[EventSource | CensorSource], chosen: _Chosen) -> np.ndarray:
    """Per row: the description of the chosen source ("" where none)."""
    labels = np.array([s.description for s in sources] + [""], dtype=object)
    return labels[chosen.source]


def _attribute(
    sources: Sequence[EventSource | CensorSource], chosen: _Chosen, attribute: str
) -> np.ndarray:
    values = [getattr(s, attribute) for s in sources]
    if attribute == "table":
        values = [_DOMAINS.get(v, v.upper()) for v in values]
    return np.array([*values, ""], dtype=object)[chosen.source]


def derive_param_tte(
    tables: Mapping[str, FrameLike],
    origin: FrameLike,
    *,
    paramcd: str,
    param: str,
    events: Sequence[EventSource],
    censors: Sequence[CensorSource] = (),
    origin_description: str = CensorDescription.NO_ADEQUATE_ASSESSMENT.value,
    observation_end: ObservationEnd | None = None,
    max_gap_days: int | None = None,
    gap_description: str = "",
    add_one: bool = False,
) -> pd.DataFrame:
    """One ADTTE row per subject of ``origin`` from declared sources (as admiral's
    ``derive_param_tte``).

    ``tables``: the source tables by name (``subjects``, ``responses``, ``events``, …), dates read
    strictly. ``origin``: ``subject_id`` and ``start_date`` (the time origin; optional
    ``srcdom``, ``srcvar``, ``srcseq``, ``adtf`` say where it came from, by default the subjects
    table's ``start_date``). The event is each subject's earliest record of ``events`` (ties: the
    source declared first); without one, the row is censored at the latest record of ``censors``
    (records on or after the first event of the same table excluded), else at the origin with
    ``origin_description``. ``observation_end``: records after its first date are ignored and
    censored rows say so. ``max_gap_days``: an event more than that many days after the
    censoring date that precedes it is censored there (FDA 2018 Table A, missed assessments)."""
    frames = {name: _numbered(as_frame(t, name), name) for name, t in tables.items()}
    out = as_frame(origin, "origin")
    require_columns(out, "origin", ["subject_id", "start_date"])
    out = out.reset_index(drop=True)
    out["subject_id"] = out["subject_id"].astype(str)
    out["start_date"] = read_dates(out, "origin", "start_date")
    code, ids = pd.factorize(out["subject_id"])
    first_row = np.unique(code, return_index=True)[1]
    subjects = _Origin(
        pd.Index(ids), code, out["start_date"].to_numpy(dtype="datetime64[ns]")[first_row]
    )

    end = None
    if observation_end is not None:
        end = _choose(frames, subjects, [observation_end], None, latest=False).date
    event = _choose(frames, subjects, events, end, latest=False)
    first_by_table = {}
    for table in {s.table for s in censors}:
        same = [s for s in events if s.table == table]
        if same:
            first_by_table[table] = _choose(frames, subjects, same, end, latest=False).date
    censor = _choose(frames, subjects, censors, end, latest=True, before=first_by_table)
    event, censor = _per_row(event, code), _per_row(censor, code)
    ended = np.zeros(len(out), dtype=bool) if end is None else ~np.isnat(end[code])

    start = out["start_date"].to_numpy(dtype="datetime64[ns]")
    has_event = ~np.isnat(event.date)
    has_censor = ~np.isnat(censor.date)
    reference = np.where(has_censor, censor.date, start)
    late = np.zeros(len(out), dtype=bool)
    if max_gap_days is not None:
        gap = (event.date - reference).astype("timedelta64[D]").astype(np.int64)
        late = has_event & (gap > max_gap_days)
    is_event = has_event & ~late

    origin_src = _origin_source(frames, out)

    def pick(for_event: np.ndarray, for_censor: np.ndarray, for_origin: np.ndarray) -> np.ndarray:
        return np.where(is_event, for_event, np.where(has_censor, for_censor, for_origin))

    out["adt"] = np.where(is_event, event.date, reference)
    out["cnsr"] = np.where(
        is_event, 0, np.where(has_censor, _attribute(censors, censor, "censor"), 1)
    ).astype(int)
    out["evntdesc"] = np.where(is_event, _describe(events, event), "")
    description = np.where(has_censor, _describe(censors, censor), origin_description)
    if observation_end is not None:
        description = np.where(ended, observation_end.description, description)
    description = np.where(late, gap_description, description)
    out["cnsdtdsc"] = np.where(is_event, "", description)
    out["srcdom"] = pick(
        _attribute(events, event, "table"),
        _attribute(censors, censor, "table"),
        origin_src["srcdom"],
    )
    out["srcvar"] = pick(
        _attribute(events, event, "date"), _attribute(censors, censor, "date"), origin_src["srcvar"]
    )
    out["srcseq"] = pick(event.seq, censor.seq, origin_src["srcseq"].astype(float)).astype(float)
    out["adtf"] = pick(event.flag, censor.flag, origin_src["adtf"])
    out["paramcd"] = paramcd
    out["param"] = param
    out["aval_days"] = (out["adt"] - out["start_date"]).dt.days + int(add_one)
    out["aval_months"] = out["aval_days"] / DAYS_PER_MONTH
    return out[_COLS].reset_index(drop=True)


def _per_row(chosen: _Chosen, code: np.ndarray) -> _Chosen:
    """Per-subject choices spread to the origin's rows."""
    return _Chosen(chosen.date[code], chosen.source[code], chosen.seq[code], chosen.flag[code])


def _numbered(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The table with its 1-based row as given (``_seq``, kept when a caller numbered the rows
    before filtering them; NaN for subject-level tables: no SRCSEQ)."""
    table = table.copy()
    if "_seq" not in table.columns:
        table["_seq"] = np.nan if name in _SUBJECT_LEVEL else np.arange(1, len(table) + 1)
    return table


def _origin_source(
    frames: Mapping[str, pd.DataFrame], origin: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Where each origin date came from: the origin's own srcdom / srcvar / srcseq / adtf columns
    when given, else the subjects table's start_date."""
    defaults: dict[str, object] = {
        "srcdom": _DOMAINS["subjects"],
        "srcvar": "start_date",
        "srcseq": np.nan,
    }
    out = {
        key: np.asarray(origin[key] if key in origin else np.full(len(origin), value), dtype=object)
        for key, value in defaults.items()
    }
    out["adtf"] = (
        origin["adtf"].to_numpy(dtype=object) if "adtf" in origin else _origin_flags(frames, origin)
    )
    return out


def _origin_flags(frames: Mapping[str, pd.DataFrame], origin: pd.DataFrame) -> np.ndarray:
    """--DTF flag of each subject's start date when the subjects table carries one."""
    subjects = frames.get("subjects")
    if subjects is None or "start_date_dtf" not in subjects.columns:
        return np.full(len(origin), "", dtype=object)
    first = subjects.drop_duplicates("subject_id")
    flags = pd.Series(first["start_date_dtf"].to_numpy(), index=first["subject_id"].astype(str))
    return by_key(origin["subject_id"], flags).fillna("").to_numpy(dtype=object)


# ---- rtio's parameters -------------------------------------------------------------------------


def _subjects(subjects: FrameLike, data_cutoff: DateLike | None) -> pd.DataFrame:
    """Subjects with dates read strictly; deaths after the cut-off ignored, the last known alive
    date capped at it."""
    subj = as_frame(subjects, "subjects")
    require_columns(subj, "subjects", ["subject_id", "start_date"])
    subj["subject_id"] = subj["subject_id"].astype(str)
    subj["start_date"] = read_dates(subj, "subjects", "start_date")
    for col in ("death_date", "last_known_alive_date"):
        subj[col] = read_dates(subj, "subjects", col) if col in subj.columns else pd.NaT
    cut = read_date(data_cutoff, "data_cutoff")
    if cut is not None:
        subj["death_date"] = subj["death_date"].where(subj["death_date"] <= cut)
        alive = subj["last_known_alive_date"]
        subj["last_known_alive_date"] = alive.where(~(alive > cut), cut)
    return subj


def _responses(responses: FrameLike, data_cutoff: DateLike | None) -> pd.DataFrame:
    """Timepoint responses numbered as given (``_seq``, the SRCSEQ), dates read strictly, those after
    the cut-off dropped."""
    rs = as_frame(responses, "responses")
    require_columns(rs, "responses", ["subject_id", "assessment_date", "overall_response"])
    rs["_seq"] = np.arange(1, len(rs) + 1)
    rs["subject_id"] = rs["subject_id"].astype(str)
    rs["assessment_date"] = read_dates(rs, "responses", "assessment_date")
    cut = read_date(data_cutoff, "data_cutoff")
    if cut is not None:
        rs = rs[rs["assessment_date"] <= cut]
    return rs


@dataclass(frozen=True)
class _ProgressionRules:
    """PFS / DoR sources and censoring rules (FDA 2018 Table A options as declared sources)."""

    observation_end: ObservationEnd | None = None
    max_gap_days: int | None = None
    gap_description: str = ""
    events: tuple[EventSource, ...] = (PROGRESSION, DEATH)
    censors: tuple[CensorSource, ...] = (LAST_ADEQUATE_ASSESSMENT,)


def _progression_rules(
    events: FrameLike | None,
    censor_new_therapy: bool,
    missed_assessments: int | None,
    assessment_interval_days: int | None,
) -> _ProgressionRules:
    """The FDA 2018 Table A keyword options of PFS and DoR translated to sources and rules."""
    end = NEW_ANTICANCER_THERAPY if censor_new_therapy and events is not None else None
    if missed_assessments is None:
        return _ProgressionRules(observation_end=end)
    if assessment_interval_days is None:
        raise ValueError("assessment_interval_days is required with missed_assessments")
    return _ProgressionRules(
        observation_end=end,
        max_gap_days=missed_assessments * assessment_interval_days,
        gap_description=CensorDescription.MISSED_ASSESSMENTS.format(missed=missed_assessments),
    )


def _tables(
    subjects: pd.DataFrame, responses: pd.DataFrame | None, events: FrameLike | None
) -> dict[str, FrameLike]:
    tables: dict[str, FrameLike] = {"subjects": subjects}
    if responses is not None:
        tables["responses"] = responses
    if events is not None:
        tables["events"] = events
    return tables


def derive_pfs(
    responses: FrameLike,
    subjects: FrameLike,
    *,
    data_cutoff: DateLike | None = None,
    events: FrameLike | None = None,
    censor_new_therapy: bool = False,
    missed_assessments: int | None = None,
    assessment_interval_days: int | None = None,
    add_one: bool = False,
) -> pd.DataFrame:
    """Progression-free survival (RECIST 1.1 §4.5; FDA 2018 Table A censoring).

    Events: :data:`PROGRESSION` (first PD, dated by the first scan showing it) or :data:`DEATH`,
    whichever is first. Censored at :data:`LAST_ADEQUATE_ASSESSMENT` (CR, PR, SD, NON-CR/NON-PD)
    when neither occurred, and at the start date when there is no adequate post-baseline
    assessment. Options, translated to declared sources: ``censor_new_therapy`` ends observation
    at the first ``new_anticancer_therapy`` event of ``events`` (:data:`NEW_ANTICANCER_THERAPY`);
    ``missed_assessments`` (with ``assessment_interval_days``) censors an event that follows more
    than ``missed_assessments`` × interval days after the last adequate assessment.
    ``data_cutoff`` drops later data.
    """
    subj = _subjects(subjects, data_cutoff)
    rs = _responses(responses, data_cutoff)
    rules = _progression_rules(
        events, censor_new_therapy, missed_assessments, assessment_interval_days
    )
    return derive_param_tte(
        _tables(subj, rs, events),
        subj[["subject_id", "start_date"]],
        paramcd="PFS",
        param="Progression-free survival",
        origin_description=CensorDescription.NO_ADEQUATE_ASSESSMENT.value,
        events=rules.events,
        censors=rules.censors,
        observation_end=rules.observation_end,
        max_gap_days=rules.max_gap_days,
        gap_description=rules.gap_description,
        add_one=add_one,
    )


def derive_os(
    subjects: FrameLike, *, data_cutoff: DateLike | None = None, add_one: bool = False
) -> pd.DataFrame:
    """Overall survival: start date to :data:`DEATH_OS` (death from any cause); censored at
    :data:`LAST_KNOWN_ALIVE` (capped at ``data_cutoff``), or at the start date when that is
    missing."""
    subj = _subjects(subjects, data_cutoff)
    return derive_param_tte(
        {"subjects": subj},
        subj[["subject_id", "start_date"]],
        paramcd="OS",
        param="Overall survival",
        events=[DEATH_OS],
        censors=[LAST_KNOWN_ALIVE],
        origin_description=CensorDescription.NO_FOLLOW_UP.value,
        add_one=add_one,
    )


def _first_response(subj: pd.DataFrame, rs: pd.DataFrame, bor: FrameLike) -> pd.DataFrame:
    """Responders (``bor`` CR or PR) with their first CR / PR timepoint after the start, as a time
    origin: subject_id, start_date and where that date came from."""
    best = as_frame(bor, "bor")
    require_columns(best, "bor", ["subject_id", "bor"])
    responders = best.loc[best["bor"].isin(OBJECTIVE_RESPONSE), "subject_id"].astype(str)
    origin = subj[subj["subject_id"].isin(responders)][["subject_id", "start_date"]]
    first = derive_param_tte(
        {"subjects": subj, "responses": rs},
        origin,
        paramcd="TTR",
        param="",
        events=[FIRST_RESPONSE],
    )
    first = first[first["cnsr"] == 0]
    return pd.DataFrame(
        {
            "subject_id": first["subject_id"].to_numpy(),
            "start_date": first["adt"].to_numpy(),
            "srcdom": first["srcdom"].to_numpy(),
            "srcvar": first["srcvar"].to_numpy(),
            "srcseq": first["srcseq"].to_numpy(),
            "adtf": first["adtf"].to_numpy(),
        }
    )


def derive_dor(
    responses: FrameLike,
    subjects: FrameLike,
    bor: FrameLike,
    *,
    data_cutoff: DateLike | None = None,
    events: FrameLike | None = None,
    censor_new_therapy: bool = False,
    missed_assessments: int | None = None,
    assessment_interval_days: int | None = None,
    add_one: bool = False,
) -> pd.DataFrame:
    """Duration of response (RECIST 1.1 §4.5): for subjects whose ``bor`` is CR or PR, from the
    first date CR or PR criteria were met (:data:`FIRST_RESPONSE`) to the first PD or death;
    censored as for PFS, and at the response date when no adequate assessment follows it."""
    subj = _subjects(subjects, data_cutoff)
    rs = _responses(responses, data_cutoff)
    origin = _first_response(subj, rs, bor)
    rules = _progression_rules(
        events, censor_new_therapy, missed_assessments, assessment_interval_days
    )
    return derive_param_tte(
        _tables(subj, rs, events),
        origin,
        paramcd="DOR",
        param="Duration of response",
        origin_description=CensorDescription.NO_ASSESSMENT_AFTER_RESPONSE.value,
        events=rules.events,
        censors=rules.censors,
        observation_end=rules.observation_end,
        max_gap_days=rules.max_gap_days,
        gap_description=rules.gap_description,
        add_one=add_one,
    )


def derive_ttr(
    responses: FrameLike, subjects: FrameLike, bor: FrameLike, *, add_one: bool = False
) -> pd.DataFrame:
    """Time to response (RECIST 1.1 §4.5): start date to the first date CR or PR criteria were
    met (:data:`FIRST_RESPONSE`), for responders (``bor`` CR or PR) only."""
    subj = _subjects(subjects, None)
    rs = _responses(responses, None)
    responders = _first_response(subj, rs, bor)["subject_id"]
    return derive_param_tte(
        {"subjects": subj, "responses": rs},
        subj[subj["subject_id"].isin(responders)][["subject_id", "start_date"]],
        paramcd="TTR",
        param="Time to response",
        events=[FIRST_RESPONSE],
        add_one=add_one,
    )

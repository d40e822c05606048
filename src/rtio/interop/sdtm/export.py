"""A study folder as SDTM domains (DM, DS, EX, AE, LB, TU, TR, RS, PR, SV, IE, TS and SUPP--).

Every study-table column has one place (docs/interop.md, "SDTM variable -> study column", read
both ways): standard variables where the SDTMIG has one, supplemental qualifiers (SUPP--) for the
rest, so that :func:`rtio.interop.import_sdtm` reads back exactly what was written. Dates are ISO
8601 text; a date imputed on import (``<column>_dtf`` flag "D" or "M") is written back as the
partial date it came from. Columns a study adds beyond the format go to SUPP-- under a qualifier
name made from the column name (upper case, at most 8 characters).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rtio.interop.datasets import number_texts
from rtio.interop.sdtm import terms
from rtio.interop.sdtm.spec import DOMAINS, supp_spec
from rtio.io import SCHEMAS, Study

TABLE_DOMAINS = {
    "subjects": "DM",
    "events": "DS",
    "exposures": "EX",
    "adverse_events": "AE",
    "labs": "LB",
    "biomarkers": "LB",
    "lesions": "TU",
    "measurements": "TR",
    "responses": "RS",
    "radiotherapy": "PR",
    "surgery": "PR",
    "screening": "DM",
}
"""The domain each study table is written to."""
_SPECIAL_SUBJECT_COLUMNS = {"randomization_date", "candidate_id"}
_RESPONSE_EXTRAS = {"target_response", "non_target_response", "new_lesions", "irecist_response"}


@dataclass
class SDTMExport:
    """The SDTM domains of one study: ``domains`` by name (SUPP-- included), non-empty only."""

    study_id: str
    domains: dict[str, pd.DataFrame]


# ---------------------------------------------------------------- value helpers


def dtc(frame: pd.DataFrame, column: str) -> pd.Series:
    """ISO 8601 text of a date column; a date imputed on import goes back to its partial form."""
    values = pd.to_datetime(frame[column])
    text = values.dt.strftime("%Y-%m-%d").fillna("")
    flag_column = f"{column}_dtf"
    if flag_column in frame.columns:
        flags = frame[flag_column].fillna("").astype(str).str.strip()
        text = text.where(flags != "D", text.str[:7]).where(flags != "M", text.str[:4])
    return text


def qval(values: pd.Series) -> pd.Series:
    """Supplemental-qualifier text: booleans Y/N, numbers exact, dates ISO, missing ""."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.map({True: "Y", False: "N"}).fillna("").astype(str)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return number_texts(values)
    return values.astype(object).where(values.notna(), "").astype(str)


def qnam(column: str, taken: set[str]) -> str:
    """A supplemental qualifier name for an extra column: letters, digits and "_", at most 8,
    starting with a letter, unique."""
    base = re.sub(r"[^A-Z0-9_]", "", column.upper()) or "QUAL"
    if not base[0].isalpha():
        base = "Q" + base
    name, n = base[:8], 1
    while name in taken:
        suffix = str(n)
        name, n = base[: 8 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str)


def _sequence(usubjid: pd.Series) -> np.ndarray:
    """--SEQ: 1, 2, ... within each subject, in row order."""
    return usubjid.groupby(usubjid, sort=False).cumcount().to_numpy() + 1


def _frame(
    domain: str,
    study_id: str,
    columns: Mapping[str, pd.Series | np.ndarray | str | float | None],
    n: int,
) -> pd.DataFrame:
    """A domain frame of ``n`` records: STUDYID, DOMAIN, then ``columns`` (scalars broadcast)."""
    out = pd.DataFrame(index=range(n))
    out["STUDYID"] = study_id
    out["DOMAIN"] = domain
    for name, values in columns.items():
        out[name] = values.to_numpy() if isinstance(values, pd.Series) else values
    return out


def _supp(
    domain: str,
    parent: pd.DataFrame,
    qualifiers: Mapping[str, tuple[str, str, pd.Series]],
) -> pd.DataFrame:
    """SUPP<domain> rows: one per parent record and qualifier with a non-empty value.

    ``qualifiers``: QNAM -> (QLABEL, QORIG, values aligned with ``parent``'s rows)."""
    rows = []
    seq_var = f"{domain}SEQ"
    idvar = "" if domain == "DM" else seq_var
    idval = (
        pd.Series([""] * len(parent))
        if domain == "DM"
        else pd.Series(parent[seq_var].astype(int).astype(str).to_numpy())
    )
    for name, (label, origin, values) in qualifiers.items():
        text = qval(pd.Series(values.to_numpy()))
        present = (text != "").to_numpy()
        if not present.any():
            continue
        rows.append(
            pd.DataFrame(
                {
                    "STUDYID": parent["STUDYID"].to_numpy()[present],
                    "RDOMAIN": domain,
                    "USUBJID": parent["USUBJID"].to_numpy()[present],
                    "IDVAR": idvar,
                    "IDVARVAL": idval.to_numpy()[present],
                    "QNAM": name,
                    "QLABEL": label[:40],
                    "QVAL": text.to_numpy()[present],
                    "QORIG": origin,
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _extras(
    table: str, frame: pd.DataFrame, skip: set[str], taken: set[str]
) -> dict[str, tuple[str, str, pd.Series]]:
    """Supplemental qualifiers for a table's columns beyond the study format."""
    declared = set(SCHEMAS[table].column_names) if table in SCHEMAS else set()
    out = {}
    for column in frame.columns:
        if (
            column in declared
            or column in skip
            or column.endswith("_dtf")
            or column.startswith("_")
        ):
            continue
        out[qnam(column, taken)] = (column, "CRF", frame[column])
    return out


def arm_codes(arms: pd.Series, protocol: object) -> pd.Series:
    """ARMCD of each arm: the protocol arm's id where the arm is its label or id (trimmed), else
    the arm text in upper case, letters and digits joined by "_", at most 20 characters."""
    codes = {}
    for arm in getattr(protocol, "arms", None) or []:
        codes[arm.id.strip()] = arm.id
        codes[arm.label.strip()] = arm.id
    fallback = arms.astype(str).str.upper().str.replace(r"[^A-Z0-9]+", "_", regex=True).str[:20]
    return arms.astype(str).str.strip().map(codes).fillna(fallback)


# ---------------------------------------------------------------- domains


class _Writer:
    def __init__(self, study: Study, study_id: str) -> None:
        self.study = study
        self.study_id = study_id
        self.tables = study.tables
        subjects = study.tables["subjects"]
        self.usubjid = {sid: f"{study_id}-{sid}" for sid in subjects["subject_id"].astype(str)}

    def ids(self, frame: pd.DataFrame) -> pd.Series:
        return frame["subject_id"].astype(str).map(self.usubjid)

    def table(self, name: str) -> pd.DataFrame | None:
        frame = self.tables.get(name)
        if frame is None or frame.empty:
            return None
        return frame.reset_index(drop=True)

    def _arm_codes(self, arms: pd.Series) -> pd.Series:
        return arm_codes(arms, self.study.protocol)

    def _treatment_dates(self) -> tuple[pd.Series, pd.Series]:
        """First and last study-treatment date per subject (drug administrations and RT)."""
        dates = []
        exposures = self.table("exposures")
        if exposures is not None:
            dates.append(exposures[["subject_id", "date"]].rename(columns={"date": "d"}))
        rt = self.table("radiotherapy")
        if rt is not None:
            dates.append(rt[["subject_id", "start_date"]].rename(columns={"start_date": "d"}))
            dates.append(rt[["subject_id", "end_date"]].rename(columns={"end_date": "d"}))
        if not dates:
            empty = pd.Series(dtype="datetime64[ns]")
            return empty, empty
        all_dates = pd.concat(dates)
        all_dates["subject_id"] = all_dates["subject_id"].astype(str)
        grouped = all_dates.groupby("subject_id")["d"]
        return grouped.min(), grouped.max()

    def dm(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        subjects = self.tables["subjects"].reset_index(drop=True)
        sid = subjects["subject_id"].astype(str)
        first, last = (
            pd.Series(d.reindex(sid.to_numpy()).to_numpy(), index=sid.index)
            for d in self._treatment_dates()
        )
        fmt = lambda s: pd.Series(pd.to_datetime(s)).dt.strftime("%Y-%m-%d").fillna("")  # noqa: E731
        alive = pd.to_datetime(subjects["last_known_alive_date"])
        death = pd.to_datetime(subjects["death_date"])
        arm = _text(subjects["arm"])
        codes = self._arm_codes(subjects["arm"])
        screening = self.table("screening")
        consent = pd.Series("", index=subjects.index)
        candidate = pd.Series("", index=subjects.index, dtype=object)
        if screening is not None and "subject_id" in screening:
            enrolled = screening[screening["subject_id"].notna()]
            by_subject = enrolled.set_index(enrolled["subject_id"].astype(str))
            consent = fmt(sid.map(by_subject["screening_date"]))
            ids = sid.map(by_subject["candidate_id"].astype(str))
            candidate = ids.where(ids != sid, "").fillna("")
        dm = _frame(
            "DM",
            self.study_id,
            {
                "USUBJID": sid.map(self.usubjid),
                "SUBJID": sid,
                "RFSTDTC": dtc(subjects, "start_date"),
                "RFENDTC": fmt(last),
                "RFXSTDTC": fmt(first),
                "RFXENDTC": fmt(last),
                "RFICDTC": consent,
                "RFPENDTC": fmt(pd.concat([alive, death], axis=1).max(axis=1)),
                "DTHDTC": dtc(subjects, "death_date"),
                "DTHFL": np.where(death.notna(), "Y", ""),
                "SITEID": _text(subjects["site"]) if "site" in subjects else "",
                "AGE": subjects["age"],
                "AGEU": "YEARS",
                "SEX": _text(subjects["sex"]),
                "ARMCD": codes,
                "ARM": arm,
                "ACTARMCD": codes,
                "ACTARM": arm,
            },
            len(subjects),
        )
        qualifiers = {
            qname: (label, "CRF", subjects[column] if column != "candidate_id" else candidate)
            for column, (qname, label) in terms.SUBJECT_QUALIFIERS.items()
            if (column in subjects.columns or column == "candidate_id") and column != "ecog"
        }
        if "last_known_alive_date" in qualifiers:
            qname, label = terms.SUBJECT_QUALIFIERS["last_known_alive_date"]
            qualifiers[qname] = (label, "CRF", dtc(subjects, "last_known_alive_date"))
        taken = {q for q, _ in terms.SUBJECT_QUALIFIERS.values()}
        qualifiers.update(_extras("subjects", subjects, _SPECIAL_SUBJECT_COLUMNS | {"site"}, taken))
        supp = _supp("DM", dm, qualifiers)
        return pd.concat([dm, self._screened_dm()], ignore_index=True), supp

    def _screened(self) -> pd.DataFrame | None:
        screening = self.table("screening")
        if screening is None:
            return None
        linked = screening["subject_id"].notna() if "subject_id" in screening else False
        others = screening[~linked & (screening["outcome"] != "enrolled")]
        clash = others["candidate_id"].astype(str).isin(self.usubjid)
        if clash.any():
            raise ValueError(
                "screening: candidate_id "
                f"{others.loc[clash, 'candidate_id'].iloc[0]!r} is also a subject_id; SDTM needs "
                "one USUBJID per person"
            )
        return others.reset_index(drop=True)

    def _screened_dm(self) -> pd.DataFrame:
        others = self._screened()
        if others is None or others.empty:
            return pd.DataFrame()
        failed = others["outcome"] == "excluded"
        code = np.where(failed, terms.SCREEN_FAILURE[0], terms.NOT_ASSIGNED[0])
        label = np.where(failed, terms.SCREEN_FAILURE[1], terms.NOT_ASSIGNED[1])
        cid = others["candidate_id"].astype(str)
        return _frame(
            "DM",
            self.study_id,
            {
                "USUBJID": self.study_id + "-" + cid,
                "SUBJID": cid,
                "RFICDTC": dtc(others, "screening_date"),
                "ARMCD": code,
                "ARM": label,
                "ACTARMCD": code,
                "ACTARM": label,
                "AGEU": "",
            },
            len(others),
        )

    def ds(self) -> pd.DataFrame:
        parts = []
        subjects = self.tables["subjects"]
        dead = subjects[subjects["death_date"].notna()].reset_index(drop=True)
        if len(dead):
            parts.append(
                pd.DataFrame(
                    {
                        "USUBJID": self.ids(dead),
                        "DSTERM": terms.DEATH,
                        "DSDECOD": terms.DEATH,
                        "DSCAT": terms.DISPOSITION,
                        "DSSCAT": "STUDY PARTICIPATION",
                        "DSSTDTC": dtc(dead, "death_date"),
                    }
                )
            )
        if "randomization_date" in subjects:
            randomized = subjects[
                subjects["randomization_date"].astype(str).str.strip().ne("")
                & subjects["randomization_date"].notna()
            ]
            randomized = randomized.reset_index(drop=True)
            parts.append(
                pd.DataFrame(
                    {
                        "USUBJID": self.ids(randomized),
                        "DSTERM": terms.RANDOMIZED,
                        "DSDECOD": terms.RANDOMIZED,
                        "DSCAT": terms.MILESTONE,
                        "DSSCAT": "",
                        "DSSTDTC": _text(randomized["randomization_date"]),
                    }
                )
            )
        events = self.table("events")
        if events is not None:
            kind = events["kind"].astype(str)
            detail = (
                _text(events["detail"]) if "detail" in events else pd.Series("", index=events.index)
            )
            category = kind.map({k: v[0] for k, v in terms.EVENT_TERMS.items()})
            subcategory = kind.map({k: v[1] for k, v in terms.EVENT_TERMS.items()})
            default = kind.map({k: v[2] for k, v in terms.EVENT_TERMS.items()})
            decoded = detail.map(terms.DETAIL_DECODES)
            discontinuation = category == terms.DISPOSITION
            decode = default.where(~(discontinuation & decoded.notna()), decoded)
            parts.append(
                pd.DataFrame(
                    {
                        "USUBJID": self.ids(events),
                        "DSTERM": detail.where(detail != "", kind.map(terms.default_event_term)),
                        "DSDECOD": decode,
                        "DSCAT": category,
                        "DSSCAT": subcategory,
                        "DSSTDTC": dtc(events, "date"),
                    }
                )
            )
        others = self._screened()
        if others is not None:
            failed = others[others["outcome"] == "excluded"].reset_index(drop=True)
            reason = _text(failed["reason"])
            parts.append(
                pd.DataFrame(
                    {
                        "USUBJID": self.study_id + "-" + failed["candidate_id"].astype(str),
                        "DSTERM": reason.where(reason != "", "SCREEN FAILURE"),
                        "DSDECOD": "SCREEN FAILURE",
                        "DSCAT": terms.DISPOSITION,
                        "DSSCAT": "SCREENING",
                        "DSSTDTC": dtc(failed, "screening_date"),
                    }
                )
            )
        if not parts:
            return pd.DataFrame()
        ds = pd.concat(parts, ignore_index=True).sort_values("USUBJID", kind="stable")
        ds = ds.reset_index(drop=True)
        ds.insert(0, "STUDYID", self.study_id)
        ds.insert(1, "DOMAIN", "DS")
        ds.insert(3, "DSSEQ", _sequence(ds["USUBJID"]))
        return ds

    def ex(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        exposures = self.table("exposures")
        if exposures is None:
            return pd.DataFrame(), pd.DataFrame()
        exposures = exposures.sort_values("subject_id", kind="stable").reset_index(drop=True)
        usubjid = self.ids(exposures)
        ex = _frame(
            "EX",
            self.study_id,
            {
                "USUBJID": usubjid,
                "EXSEQ": _sequence(usubjid),
                "EXTRT": _text(exposures["drug"]),
                "EXDOSE": exposures["dose"],
                "EXDOSU": _text(exposures["dose_unit"]),
                "VISIT": "CYCLE " + exposures["cycle"].astype(str),
                "EXSTDTC": dtc(exposures, "date"),
                "EXENDTC": dtc(exposures, "date"),
            },
            len(exposures),
        )
        return ex, _supp("EX", ex, _extras("exposures", exposures, set(), set()))

    def ae(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        events = self.table("adverse_events")
        if events is None:
            return pd.DataFrame(), pd.DataFrame()
        from rtio.derive.adverse_events import map_terms
        from rtio.derive.ctcae import adverse_event_terms

        events = events.sort_values("subject_id", kind="stable").reset_index(drop=True)
        usubjid = self.ids(events)
        decod = map_terms(events, self.study.settings.term_map)
        soc = adverse_event_terms(self.study.settings.ctcae_version).set_index("term")["soc"]
        verbatim = (
            _text(events["verbatim_term"])
            if "verbatim_term" in events
            else pd.Series("", index=events.index)
        )
        ae = _frame(
            "AE",
            self.study_id,
            {
                "USUBJID": usubjid,
                "AESEQ": _sequence(usubjid),
                "AETERM": verbatim.where(verbatim != "", _text(events["term"])),
                "AEDECOD": decod,
                "AEBODSYS": decod.map(soc).fillna(""),
                "AESER": np.where(events["serious"].astype(bool), "Y", "N"),
                "AEREL": np.where(
                    events["related_treatment"].astype(bool), terms.RELATED, terms.NOT_RELATED
                ),
                "AETOXGR": events["grade"].astype(int).astype(str),
                "AESTDTC": dtc(events, "start_date"),
                "AEENDTC": dtc(events, "end_date") if "end_date" in events else "",
            },
            len(events),
        )
        qualifiers = {
            qname: (label, "CRF", events[column].astype(bool))
            for column, (qname, label) in terms.AE_QUALIFIERS.items()
        }
        taken = {q for q, _ in terms.AE_QUALIFIERS.values()}
        qualifiers.update(_extras("adverse_events", events, set(), taken))
        return ae, _supp("AE", ae, qualifiers)

    def lb(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        parts, supps = [], []
        labs = self.table("labs")
        if labs is not None:
            labs = labs.reset_index(drop=True)
            test = labs["test"].astype(str)
            code = test.map({k: v[0] for k, v in terms.LAB_CODES.items()})
            code = code.fillna(test.str.upper().str.replace(r"[^A-Z0-9]", "", regex=True).str[:8])
            name = test.map({k: v[1] for k, v in terms.LAB_CODES.items()}).fillna(test)
            value = number_texts(labs["value"]).reset_index(drop=True)
            parts.append(
                pd.DataFrame(
                    {
                        "USUBJID": self.ids(labs),
                        "LBTESTCD": code,
                        "LBTEST": name,
                        "LBCAT": np.where(test.isin(terms.HEMATOLOGY), "HEMATOLOGY", "CHEMISTRY"),
                        "LBORRES": value,
                        "LBORRESU": _text(labs["unit"]),
                        "LBSTRESC": value,
                        "LBSTRESN": labs["value"].astype(float),
                        "LBSTRESU": _text(labs["unit"]),
                        "LBSTNRLO": labs["lln"].astype(float) if "lln" in labs else np.nan,
                        "LBSTNRHI": labs["uln"].astype(float) if "uln" in labs else np.nan,
                        "VISIT": "",
                        "LBDTC": dtc(labs, "date"),
                        "_table": "labs",
                        "_row": labs.index,
                    }
                )
            )
        markers = self.table("biomarkers")
        if markers is not None:
            markers = markers.reset_index(drop=True)
            name = markers["name"].astype(str)
            value = number_texts(markers["value"]).reset_index(drop=True)
            parts.append(
                pd.DataFrame(
                    {
                        "USUBJID": self.ids(markers),
                        "LBTESTCD": name.str.upper()
                        .str.replace(r"[^A-Z0-9]", "", regex=True)
                        .str[:8],
                        "LBTEST": name,
                        "LBCAT": terms.BIOMARKER_CATEGORY,
                        "LBORRES": value,
                        "LBORRESU": _text(markers["unit"]),
                        "LBSTRESC": value,
                        "LBSTRESN": markers["value"].astype(float),
                        "LBSTRESU": _text(markers["unit"]),
                        "LBSTNRLO": np.nan,
                        "LBSTNRHI": np.nan,
                        "VISIT": _text(markers["timepoint"]),
                        "LBDTC": "",
                        "_table": "biomarkers",
                        "_row": markers.index,
                    }
                )
            )
        if not parts:
            return pd.DataFrame(), pd.DataFrame()
        lb = pd.concat(parts, ignore_index=True).sort_values("USUBJID", kind="stable")
        lb = lb.reset_index(drop=True)
        lb.insert(0, "STUDYID", self.study_id)
        lb.insert(1, "DOMAIN", "LB")
        lb.insert(3, "LBSEQ", _sequence(lb["USUBJID"]))
        for table, frame in (("labs", labs), ("biomarkers", markers)):
            if frame is None:
                continue
            rows = lb[lb["_table"] == table]
            extras = _extras(table, frame, set(), set())
            qualifiers = {
                q: (label, origin, values.reindex(rows["_row"].to_numpy()).reset_index(drop=True))
                for q, (label, origin, values) in extras.items()
            }
            supps.append(_supp("LB", rows.reset_index(drop=True), qualifiers))
        supp = pd.concat(supps, ignore_index=True) if supps else pd.DataFrame()
        return lb.drop(columns=["_table", "_row"]), supp

    def tu(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        lesions = self.table("lesions")
        if lesions is None:
            return pd.DataFrame(), pd.DataFrame()
        lesions = lesions.sort_values("subject_id", kind="stable").reset_index(drop=True)
        first = pd.DataFrame(columns=["subject_id", "lesion_id", "assessment_date", "visit"])
        measurements = self.table("measurements")
        if measurements is not None:
            first = measurements.sort_values("assessment_date").drop_duplicates(
                ["subject_id", "lesion_id"]
            )
        keyed = (
            lesions[["subject_id", "lesion_id"]]
            .astype(str)
            .merge(
                first.assign(
                    subject_id=first["subject_id"].astype(str),
                    lesion_id=first["lesion_id"].astype(str),
                ),
                on=["subject_id", "lesion_id"],
                how="left",
            )
        )
        usubjid = self.ids(lesions)
        role = lesions["role"].astype(str).map(terms.LESION_ROLES)
        tu = _frame(
            "TU",
            self.study_id,
            {
                "USUBJID": usubjid,
                "TUSEQ": _sequence(usubjid),
                "TULNKID": lesions["lesion_id"].astype(str),
                "TUTESTCD": terms.TUMIDENT_TEST[0],
                "TUTEST": terms.TUMIDENT_TEST[1],
                "TUORRES": role,
                "TUSTRESC": role,
                "TULOC": _text(lesions["organ"]),
                "TUEVAL": "INVESTIGATOR",
                "VISIT": _text(keyed["visit"]) if "visit" in keyed else "",
                "TUDTC": pd.to_datetime(keyed["assessment_date"])
                .dt.strftime("%Y-%m-%d")
                .fillna(""),
            },
            len(lesions),
        )
        qualifiers = {
            qname: (label, "CRF", lesions[column])
            for column, (qname, label) in terms.LESION_QUALIFIERS.items()
            if column in lesions
        }
        taken = {q for q, _ in terms.LESION_QUALIFIERS.values()}
        qualifiers.update(_extras("lesions", lesions, set(), taken))
        return tu, _supp("TU", tu, qualifiers)

    def tr(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        measurements = self.table("measurements")
        if measurements is None:
            return pd.DataFrame(), pd.DataFrame()
        measurements = measurements.sort_values("subject_id", kind="stable").reset_index(drop=True)
        lesions = self.table("lesions")
        node = pd.Series(False, index=measurements.index)
        if lesions is not None:
            flags = lesions.set_index(
                [lesions["subject_id"].astype(str), lesions["lesion_id"].astype(str)]
            )["is_lymph_node"]
            keys = pd.MultiIndex.from_arrays(
                [measurements["subject_id"].astype(str), measurements["lesion_id"].astype(str)]
            )
            node = pd.Series(
                flags.reindex(keys).fillna(False).astype(bool).to_numpy(), index=measurements.index
            )
        base = {
            "USUBJID": self.ids(measurements),
            "TRLNKID": measurements["lesion_id"].astype(str),
            "TREVAL": "INVESTIGATOR",
            "VISIT": _text(measurements["visit"]) if "visit" in measurements else "",
            "TRDTC": dtc(measurements, "assessment_date"),
            "_row": measurements.index,
        }
        status = measurements["status"].astype(str).map(terms.MEASUREMENT_STATUS)
        state = pd.DataFrame(
            {
                **base,
                "TRTESTCD": terms.TUMSTATE_TEST[0],
                "TRTEST": terms.TUMSTATE_TEST[1],
                "TRORRES": status,
                "TRORRESU": "",
                "TRSTRESC": status,
                "TRSTRESN": np.nan,
                "TRSTRESU": "",
                "_order": 1,
            }
        )
        measured = measurements["diameter_mm"].notna()
        code = np.where(node, "LPERP", "LDIAM")
        size = number_texts(measurements["diameter_mm"]).reset_index(drop=True)
        diameter = pd.DataFrame(
            {
                **base,
                "TRTESTCD": code,
                "TRTEST": pd.Series(code).map(terms.DIAMETER_TESTS),
                "TRORRES": size,
                "TRORRESU": "mm",
                "TRSTRESC": size,
                "TRSTRESN": measurements["diameter_mm"].astype(float),
                "TRSTRESU": "mm",
                "_order": 0,
            }
        )[measured.to_numpy()]
        tr = pd.concat([diameter, state], ignore_index=True).sort_values(
            ["USUBJID", "_row", "_order"], kind="stable"
        )
        tr = tr.reset_index(drop=True)
        tr.insert(0, "STUDYID", self.study_id)
        tr.insert(1, "DOMAIN", "TR")
        tr.insert(3, "TRSEQ", _sequence(tr["USUBJID"]))
        states = tr[tr["TRTESTCD"] == terms.TUMSTATE_TEST[0]].reset_index(drop=True)
        extras = _extras("measurements", measurements, set(), set())
        qualifiers = {
            q: (label, origin, values.reindex(states["_row"].to_numpy()).reset_index(drop=True))
            for q, (label, origin, values) in extras.items()
        }
        supp = _supp("TR", states, qualifiers)
        return tr.drop(columns=["_row", "_order"]), supp

    def rs(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        parts = []
        subjects = self.tables["subjects"]
        ecog = subjects[subjects["ecog"].notna()].reset_index(drop=True)
        if len(ecog):
            score = ecog["ecog"].astype(int).astype(str)
            parts.append(
                pd.DataFrame(
                    {
                        "USUBJID": self.ids(ecog),
                        "RSTESTCD": terms.ECOG_TEST[0],
                        "RSTEST": terms.ECOG_TEST[1],
                        "RSCAT": terms.ECOG_CATEGORY,
                        "RSORRES": score,
                        "RSSTRESC": score,
                        "RSEVAL": "INVESTIGATOR",
                        "RSBLFL": "Y",
                        "VISIT": "BASELINE",
                        "RSDTC": "",
                        "_row": -1,
                        "_order": -1,
                    }
                )
            )
        responses = self.table("responses")
        if responses is not None:
            assessor = responses["assessor"].astype(str)
            evaluator = assessor.map(terms.ASSESSORS).fillna(assessor.str.upper())
            tests = [("OVRLRESP", "overall_response", terms.RECIST)]
            tests += [
                (code, column, terms.RECIST)
                for code, (_, column) in terms.RESPONSE_TESTS.items()
                if code != "OVRLRESP" and column in responses
            ]
            if "irecist_response" in responses:
                tests.append(("OVRLRESP", "irecist_response", terms.IRECIST))
            for order, (code, column, category) in enumerate(tests):
                value = _text(responses[column])
                keep = (value != "").to_numpy()
                parts.append(
                    pd.DataFrame(
                        {
                            "USUBJID": self.ids(responses),
                            "RSTESTCD": code,
                            "RSTEST": terms.RESPONSE_TESTS[code][0],
                            "RSCAT": category,
                            "RSORRES": value,
                            "RSSTRESC": value,
                            "RSEVAL": evaluator,
                            "RSBLFL": "",
                            "VISIT": _text(responses["visit"]) if "visit" in responses else "",
                            "RSDTC": dtc(responses, "assessment_date"),
                            "_row": responses.index,
                            "_order": order,
                        }
                    )[keep]
                )
        if not parts:
            return pd.DataFrame(), pd.DataFrame()
        rs = pd.concat(parts, ignore_index=True).sort_values(
            ["USUBJID", "_row", "_order"], kind="stable"
        )
        rs = rs.reset_index(drop=True)
        rs.insert(0, "STUDYID", self.study_id)
        rs.insert(1, "DOMAIN", "RS")
        rs.insert(3, "RSSEQ", _sequence(rs["USUBJID"]))
        supp = pd.DataFrame()
        if responses is not None:
            overall = rs[(rs["_order"] == 0)].reset_index(drop=True)
            extras = _extras("responses", responses, _RESPONSE_EXTRAS | {"visit"}, set())
            qualifiers = {
                q: (
                    label,
                    origin,
                    values.reindex(overall["_row"].to_numpy()).reset_index(drop=True),
                )
                for q, (label, origin, values) in extras.items()
            }
            supp = _supp("RS", overall, qualifiers)
        return rs.drop(columns=["_row", "_order"]), supp

    def pr(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        parts = []
        rt = self.table("radiotherapy")
        if rt is not None:
            parts.append(
                (
                    "radiotherapy",
                    rt,
                    pd.DataFrame(
                        {
                            "USUBJID": self.ids(rt),
                            "PRTRT": _text(rt["technique"]),
                            "PRCAT": terms.RADIOTHERAPY_CATEGORY,
                            "PRDOSE": rt["dose_per_fraction_gy"].astype(float),
                            "PRDOSU": "Gy",
                            "PRLOC": _text(rt["target"]),
                            "PRSTDTC": dtc(rt, "start_date"),
                            "PRENDTC": dtc(rt, "end_date"),
                        }
                    ),
                    terms.RT_QUALIFIERS,
                )
            )
        surgery = self.table("surgery")
        if surgery is not None:
            parts.append(
                (
                    "surgery",
                    surgery,
                    pd.DataFrame(
                        {
                            "USUBJID": self.ids(surgery),
                            "PRTRT": "RESECTION",
                            "PRCAT": terms.SURGERY_CATEGORY,
                            "PRDOSE": np.nan,
                            "PRDOSU": "",
                            "PRLOC": "",
                            "PRSTDTC": dtc(surgery, "date"),
                            "PRENDTC": dtc(surgery, "date"),
                        }
                    ),
                    terms.SURGERY_QUALIFIERS,
                )
            )
        if not parts:
            return pd.DataFrame(), pd.DataFrame()
        frames = [p[2].assign(_part=i, _row=p[1].index) for i, p in enumerate(parts)]
        pr = (
            pd.concat(frames, ignore_index=True)
            .sort_values("USUBJID", kind="stable")
            .reset_index(drop=True)
        )
        pr.insert(0, "STUDYID", self.study_id)
        pr.insert(1, "DOMAIN", "PR")
        pr.insert(3, "PRSEQ", _sequence(pr["USUBJID"]))
        supps = []
        for i, (table, frame, _, known) in enumerate(parts):
            rows = pr[pr["_part"] == i].reset_index(drop=True)
            aligned = frame.reindex(rows["_row"].to_numpy()).reset_index(drop=True)
            qualifiers = {
                qname: (label, "CRF", aligned[column])
                for column, (qname, label) in known.items()
                if column in aligned
            }
            taken = {q for q, _ in known.values()}
            qualifiers.update(_extras(table, aligned, set(), taken))
            supps.append(_supp("PR", rows, qualifiers))
        supp = pd.concat(supps, ignore_index=True)
        return pr.drop(columns=["_part", "_row"]), supp

    def sv(self) -> pd.DataFrame:
        measurements = self.table("measurements")
        if measurements is None or "visit" not in measurements:
            return pd.DataFrame()
        scans = measurements[
            measurements["visit"].notna() & measurements["visit"].astype(str).ne("")
        ]
        if scans.empty:
            return pd.DataFrame()
        visits = (
            scans.assign(
                subject_id=scans["subject_id"].astype(str), visit=scans["visit"].astype(str)
            )
            .groupby(["subject_id", "visit"], sort=False)["assessment_date"]
            .agg(["min", "max"])
            .reset_index()
        )
        start = visits["subject_id"].map(
            self.tables["subjects"].set_index(self.tables["subjects"]["subject_id"].astype(str))[
                "start_date"
            ]
        )
        day = (visits["min"] - pd.to_datetime(start)).dt.days
        order = day.groupby(visits["visit"]).median().sort_values()
        number = pd.Series(np.arange(1, len(order) + 1), index=order.index)
        visits = visits.assign(num=visits["visit"].map(number)).sort_values(["subject_id", "num"])
        visits = visits.reset_index(drop=True)
        return _frame(
            "SV",
            self.study_id,
            {
                "USUBJID": self.ids(visits),
                "VISITNUM": visits["num"].astype(int),
                "VISIT": visits["visit"],
                "SVSTDTC": visits["min"].dt.strftime("%Y-%m-%d"),
                "SVENDTC": visits["max"].dt.strftime("%Y-%m-%d"),
            },
            len(visits),
        )

    def ie(self) -> pd.DataFrame:
        others = self._screened()
        criteria = getattr(self.study.protocol, "eligibility", None) or []
        if others is None or not criteria:
            return pd.DataFrame()
        by_text = {c.text.strip().lower(): c for c in criteria} | {
            c.id.lower(): c for c in criteria
        }
        failed = others[others["outcome"] == "excluded"].reset_index(drop=True)
        matched = failed["reason"].astype(str).str.strip().str.lower().map(by_text)
        failed = failed[matched.notna()].reset_index(drop=True)
        matched = matched.dropna().reset_index(drop=True)
        if failed.empty:
            return pd.DataFrame()
        inclusion = matched.map(lambda c: c.kind == "inclusion")
        usubjid = self.study_id + "-" + failed["candidate_id"].astype(str)
        result = np.where(inclusion, "N", "Y")
        return _frame(
            "IE",
            self.study_id,
            {
                "USUBJID": usubjid,
                "IESEQ": _sequence(usubjid),
                "IETESTCD": matched.map(lambda c: re.sub(r"[^A-Z0-9]", "", c.id.upper())[:8]),
                "IETEST": matched.map(lambda c: c.text[:200]),
                "IECAT": np.where(inclusion, "INCLUSION", "EXCLUSION"),
                "IEORRES": result,
                "IESTRESC": result,
                "IEDTC": dtc(failed, "screening_date"),
            },
            len(failed),
        )

    def ts(self) -> pd.DataFrame:
        cutoff = self.study.settings.data_cutoff
        if cutoff is None:
            return pd.DataFrame()
        return pd.DataFrame(
            {
                "STUDYID": [self.study_id],
                "DOMAIN": ["TS"],
                "TSSEQ": [1],
                "TSPARMCD": [terms.CUTOFF_PARAMETER[0]],
                "TSPARM": [terms.CUTOFF_PARAMETER[1]],
                "TSVAL": [cutoff.isoformat()],
            }
        )


def study_id_of(study: Study) -> str:
    """STUDYID: the protocol id (else the study folder's name)."""
    protocol = getattr(study.protocol, "id", None)
    return str(protocol or study.settings.protocol or study.path.name)


def export_sdtm_domains(study: Study) -> SDTMExport:
    """The SDTM domains of a loaded study (only those with records)."""
    study_id = study_id_of(study)
    writer = _Writer(study, study_id)
    domains: dict[str, pd.DataFrame] = {}
    dm, supp_dm = writer.dm()
    domains["DM"], domains["SUPPDM"] = dm, supp_dm
    domains["DS"] = writer.ds()
    for name, build in (
        ("EX", writer.ex),
        ("AE", writer.ae),
        ("LB", writer.lb),
        ("TU", writer.tu),
        ("TR", writer.tr),
        ("RS", writer.rs),
        ("PR", writer.pr),
    ):
        main, supp = build()
        domains[name], domains[f"SUPP{name}"] = main, supp
    domains["SV"] = writer.sv()
    domains["IE"] = writer.ie()
    domains["TS"] = writer.ts()
    present = {}
    for name, frame in domains.items():
        if frame is None or frame.empty:
            continue
        spec = DOMAINS.get(name) or supp_spec(name[4:])
        for var in spec.variables:
            numeric = var.kind in ("integer", "float")
            if var.name not in frame.columns:
                frame[var.name] = np.nan if numeric else ""
            elif not numeric:
                frame[var.name] = frame[var.name].astype(object).where(frame[var.name].notna(), "")
        frame = frame[spec.names]
        present[name] = frame.reset_index(drop=True)
    return SDTMExport(study_id, present)

"""ADSL, ADRS, ADTTE, ADAE and ADLB from a study folder, with the ADaM variable names.

The derivations are rtio's own, called as ``rtio derive`` calls them (RECIST 1.1 timepoint
responses and best overall responses with and without confirmation, PFS / OS / DoR / TTR, CTCAE
lab grades), so that the ADaM files carry exactly the values ``rtio derive`` writes; this module
only renames, adds the ADaM conventions and flags, and documents each variable's origin.

Conventions: ``TRTSDT`` is ``subjects.start_date`` (day 1 of study treatment; a cohort's index
date) and the origin of PFS, OS and TTR; ``AVAL`` in ADTTE counts the start day as day 1
(ADT − STARTDT + 1, as admiral), while ``AVALRTIO`` keeps rtio's ``aval_days`` (ADT − STARTDT),
which rtio's Kaplan–Meier estimates use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rtio.derive.adverse_events import map_terms, treatment_emergent
from rtio.derive.ctcae import adverse_event_terms, grade_labs
from rtio.derive.populations import derive_adsl
from rtio.derive.recist import best_overall_response, timepoint_responses
from rtio.derive.tte import derive_dor, derive_os, derive_pfs, derive_ttr
from rtio.interop.adam.spec import POPULATION_FLAGS, RESPONSE_CODES
from rtio.interop.sdtm.export import arm_codes, study_id_of
from rtio.interop.sdtm.terms import LAB_CODES
from rtio.io import Study
from rtio.io.timing import baseline_window_days
from rtio.vocabulary import (
    DISEASE_CONTROL,
    OBJECTIVE_RESPONSE,
    SD_MIN_DAYS,
)

LOW_TERMS = {
    "Anemia",
    "Hypoalbuminemia",
    "Hypocalcemia",
    "Hypoglycemia",
    "Hypokalemia",
    "Hyponatremia",
    "Lymphocyte count decreased",
    "Neutrophil count decreased",
    "Platelet count decreased",
    "White blood cell decreased",
}
"""CTCAE lab terms graded in the low direction (ATOXGRL); every other lab term is high (ATOXGRH)."""


@dataclass
class RtioDerived:
    """The tables ``rtio derive`` computes: timepoints, BOR (unconfirmed, confirmed), ADTTE, ADLB."""

    timepoints: pd.DataFrame | None
    bor: pd.DataFrame | None
    cbor: pd.DataFrame | None
    adtte: pd.DataFrame
    adlb: pd.DataFrame | None
    response_source: str


def rtio_derived(study: Study, *, sd_min_days: int = SD_MIN_DAYS) -> RtioDerived:
    """rtio's derived tables, computed as ``rtio derive`` computes them. Without lesion data the
    investigator-reported timepoint responses (the responses table) stand in for the derived ones."""
    subjects = study.tables["subjects"]
    cutoff = study.settings.data_cutoff
    lesions, measurements = study.table("lesions"), study.table("measurements")
    timepoints = None
    source = ""
    if lesions is not None and measurements is not None:
        if cutoff is not None:
            measurements = measurements[measurements["assessment_date"] <= pd.Timestamp(cutoff)]
        timepoints = timepoint_responses(
            lesions,
            measurements,
            subjects,
            study.table("radiotherapy"),
            baseline_window_days=baseline_window_days(study.protocol),
        )
        source = "rtio RECIST 1.1 derivation from lesion measurements"
    elif study.table("responses") is not None:
        timepoints = study.tables["responses"]
        if cutoff is not None:
            timepoints = timepoints[timepoints["assessment_date"] <= pd.Timestamp(cutoff)]
        source = "Reported timepoint responses"
    parts = [derive_os(subjects, data_cutoff=cutoff)]
    bor = cbor = None
    if timepoints is not None:
        bor = best_overall_response(timepoints, subjects, confirm=False, sd_min_days=sd_min_days)
        cbor = best_overall_response(timepoints, subjects, confirm=True, sd_min_days=sd_min_days)
        events = study.table("events")
        parts = [
            derive_pfs(timepoints, subjects, data_cutoff=cutoff, events=events),
            parts[0],
            derive_dor(timepoints, subjects, cbor, data_cutoff=cutoff, events=events),
            derive_ttr(timepoints, subjects, cbor),
        ]
    labs = study.table("labs")
    adlb = None if labs is None else grade_labs(labs, version=study.settings.ctcae_version)
    return RtioDerived(timepoints, bor, cbor, pd.concat(parts, ignore_index=True), adlb, source)


def _relative_day(day: pd.Series, start: pd.Series) -> pd.Series:
    """ADaM relative day: ADT − TRTSDT + 1 on or after TRTSDT, ADT − TRTSDT before it."""
    diff = (pd.to_datetime(day) - pd.to_datetime(start)).dt.days
    return (diff + (diff >= 0).astype(int)).astype("Int64")


def _text(frame: pd.DataFrame, column: str) -> pd.Series | str:
    if column not in frame:
        return ""
    return frame[column].astype(object).where(frame[column].notna(), "")


def _yn(values: pd.Series) -> pd.Series:
    return pd.Series(np.where(values.astype(bool), "Y", "N"), index=values.index)


class AdamBuilder:
    """Builds the five ADaM datasets of one study."""

    def __init__(self, study: Study, sd_min_days: int = SD_MIN_DAYS) -> None:
        self.study = study
        self.study_id = study_id_of(study)
        self.subjects = study.tables["subjects"].assign(
            subject_id=lambda f: f["subject_id"].astype(str)
        )
        self.derived = rtio_derived(study, sd_min_days=sd_min_days)
        self.start = self.subjects.set_index("subject_id")["start_date"]

    def _ids(self, subject_id: pd.Series) -> pd.DataFrame:
        sid = subject_id.astype(str).reset_index(drop=True)
        return pd.DataFrame(
            {"STUDYID": self.study_id, "USUBJID": self.study_id + "-" + sid, "SUBJID": sid}
        )

    def _trtsdt(self, subject_id: pd.Series) -> pd.Series:
        return pd.Series(
            self.start.reindex(subject_id.astype(str).to_numpy()).to_numpy(), index=subject_id.index
        )

    def _last_dose(self) -> pd.Series:
        dates = []
        exposures = self.study.table("exposures")
        if exposures is not None:
            dates.append(exposures[["subject_id", "date"]].set_axis(["subject_id", "d"], axis=1))
        rt = self.study.table("radiotherapy")
        if rt is not None:
            dates.append(rt[["subject_id", "end_date"]].set_axis(["subject_id", "d"], axis=1))
        if not dates:
            return pd.Series(dtype="datetime64[ns]")
        frame = pd.concat(dates)
        return frame.groupby(frame["subject_id"].astype(str))["d"].max()

    def adsl(self) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
        """ADSL and the population flag variables it carries (name, label)."""
        subjects = self.subjects.reset_index(drop=True)
        flags_table = derive_adsl(self.study.tables, self.study.protocol).set_index("subject_id")
        out = self._ids(subjects["subject_id"])
        out["SITEID"] = _text(subjects, "site")
        out["AGE"] = subjects["age"].astype("Int64")
        out["AGEU"] = "YEARS"
        out["SEX"] = subjects["sex"]
        out["ARM"] = subjects["arm"]
        out["ARMCD"] = arm_codes(subjects["arm"], self.study.protocol)
        out["TRT01P"] = subjects["arm"]
        out["TRT01A"] = subjects["arm"]
        randomized = (
            subjects["randomization_date"]
            if "randomization_date" in subjects
            else pd.Series(pd.NaT, index=subjects.index)
        )
        out["RANDDT"] = pd.to_datetime(randomized.replace("", None))
        out["TRTSDT"] = subjects["start_date"]
        out["TRTEDT"] = subjects["subject_id"].map(self._last_dose())
        out["DTHDT"] = subjects["death_date"]
        out["DTHFL"] = np.where(subjects["death_date"].notna(), "Y", "")
        out["LSTALVDT"] = subjects["last_known_alive_date"]
        out["ECOGBL"] = subjects["ecog"].astype("Int64")
        out["STRATAR"] = _text(subjects, "stratum")
        populations = [c for c in flags_table.columns if c.endswith("_flag")]
        flag_variables: list[tuple[str, str]] = []
        for column in populations:
            population = column[: -len("_flag")]
            name, label = _population_variable(population)
            if name in [n for n, _ in flag_variables]:
                continue
            flag_variables.append((name, label))
            out[name] = _yn(subjects["subject_id"].map(flags_table[column]).fillna(False))
        return out, flag_variables

    def adrs(self) -> pd.DataFrame:
        derived = self.derived
        if derived.timepoints is None:
            return pd.DataFrame()
        tp, bor, cbor = derived.timepoints, derived.bor, derived.cbor
        assert bor is not None and cbor is not None
        visit = tp["visit"] if "visit" in tp else pd.Series("", index=tp.index)
        parts = [
            pd.DataFrame(
                {
                    "subject_id": tp["subject_id"].astype(str),
                    "PARAMCD": "OVR",
                    "PARAM": "Overall Response (RECIST 1.1)",
                    "AVALC": tp["overall_response"].astype(str),
                    "ADT": tp["assessment_date"],
                    "VISIT": visit.astype(object).where(visit.notna(), ""),
                }
            )
        ]
        for code, param, table, values in (
            ("BOR", "Best Overall Response", bor, bor["bor"]),
            ("CBOR", "Best Confirmed Overall Response", cbor, cbor["bor"]),
            ("RSP", "Responder (BOR CR or PR)", bor, _yn(bor["bor"].isin(OBJECTIVE_RESPONSE))),
            (
                "CRSP",
                "Confirmed Responder (CBOR CR or PR)",
                cbor,
                _yn(cbor["bor"].isin(OBJECTIVE_RESPONSE)),
            ),
            (
                "CB",
                "Clinical Benefit (CBOR CR, PR, SD, NON-CR/NON-PD)",
                cbor,
                _yn(cbor["bor"].isin(DISEASE_CONTROL)),
            ),
        ):
            dated = table["bor_date"]
            parts.append(
                pd.DataFrame(
                    {
                        "subject_id": table["subject_id"].astype(str),
                        "PARAMCD": code,
                        "PARAM": param,
                        "AVALC": values.astype(str),
                        "ADT": dated if code in ("BOR", "CBOR") else dated.where(values == "Y"),
                        "VISIT": "",
                    }
                )
            )
        rows = pd.concat(parts, ignore_index=True)
        order = {"OVR": 0, "BOR": 1, "CBOR": 2, "RSP": 3, "CRSP": 4, "CB": 5}
        rows = rows.assign(_o=rows["PARAMCD"].map(order)).sort_values(
            ["subject_id", "_o", "ADT"], kind="stable"
        )
        rows = rows.reset_index(drop=True)
        out = pd.concat(
            [self._ids(rows["subject_id"]), rows.drop(columns=["subject_id", "_o"])], axis=1
        )
        out.insert(3, "ASEQ", out.groupby("USUBJID").cumcount() + 1)
        out["PARCAT1"] = "Tumor Response"
        out["PARCAT2"] = derived.response_source
        out["PARCAT3"] = "RECIST 1.1"
        flag = out["PARAMCD"].isin(["RSP", "CRSP", "CB"])
        out["AVAL"] = (
            out["AVALC"]
            .map(RESPONSE_CODES)
            .where(~flag, out["AVALC"].map({"Y": 1, "N": 0}))
            .astype("Int64")
        )
        out["ADY"] = _relative_day(out["ADT"], self._trtsdt(rows["subject_id"]))
        out["ANL01FL"] = "Y"
        return out

    def adtte(self, adrs: pd.DataFrame) -> pd.DataFrame:
        tte = self.derived.adtte.reset_index(drop=True)
        out = self._ids(tte["subject_id"])
        event = tte["cnsr"] == 0
        out["PARAMCD"] = tte["paramcd"]
        out["PARAM"] = tte["param"]
        out["STARTDT"] = tte["start_date"]
        out["ADT"] = tte["adt"]
        out["AVAL"] = (tte["aval_days"] + 1).astype(float)
        out["AVALRTIO"] = tte["aval_days"].astype(float)
        out["CNSR"] = tte["cnsr"].astype(int)
        out["EVNTDESC"] = tte["evntdesc"].where(event, tte["cnsdtdsc"]).fillna("")
        out["CNSDTDSC"] = tte["cnsdtdsc"].fillna("")
        domain, variable = _sources(tte)
        out["SRCDOM"], out["SRCVAR"] = domain, variable
        out["SRCSEQ"] = self._source_sequence(out, adrs, tte["srcseq"])
        out["ADTF"] = tte["adtf"].astype(object).where(tte["adtf"].notna(), "")
        return out

    @staticmethod
    def _source_sequence(out: pd.DataFrame, adrs: pd.DataFrame, srcseq: pd.Series) -> pd.Series:
        """SRCSEQ: the ASEQ of the ADRS record a date came from; for other sources, the row
        rtio's derivation records (none for subject-level ADSL)."""
        columns = ["USUBJID", "ADT", "ASEQ"]
        ovr = adrs[adrs["PARAMCD"] == "OVR"] if not adrs.empty else pd.DataFrame(columns=columns)
        seq = ovr.drop_duplicates(["USUBJID", "ADT"]).set_index(["USUBJID", "ADT"])["ASEQ"]
        keys = pd.MultiIndex.from_arrays([out["USUBJID"], out["ADT"]])
        from_adrs = (out["SRCDOM"] == "ADRS").to_numpy()
        other = pd.to_numeric(srcseq, errors="coerce").to_numpy(dtype=float)
        values = np.where(from_adrs, seq.reindex(keys).to_numpy(dtype=float), other)
        values = np.where((out["SRCDOM"] == "ADSL").to_numpy(), np.nan, values)
        return pd.Series(pd.array(values).astype("Int64"), index=out.index)

    def adae(self) -> pd.DataFrame:
        events = self.study.table("adverse_events")
        if events is None or events.empty:
            return pd.DataFrame()
        events = (
            events.assign(subject_id=events["subject_id"].astype(str))
            .sort_values("subject_id", kind="stable")
            .reset_index(drop=True)
        )
        settings = self.study.settings
        term = map_terms(events, settings.term_map)
        soc = adverse_event_terms(settings.ctcae_version).set_index("term")["soc"]
        verbatim = (
            events["verbatim_term"]
            if "verbatim_term" in events
            else pd.Series(None, index=events.index)
        )
        out = self._ids(events["subject_id"])
        out["AESEQ"] = out.groupby("USUBJID").cumcount() + 1
        out["AETERM"] = verbatim.where(verbatim.notna(), events["term"]).astype(str)
        out["AEDECOD"] = term
        out["AEBODSYS"] = term.map(soc).fillna("")
        out["ASTDT"] = events["start_date"]
        out["AENDT"] = events.get("end_date", pd.NaT)
        out["ASTDY"] = _relative_day(events["start_date"], self._trtsdt(events["subject_id"]))
        out["TRTEMFL"] = np.where(self._emergent(events), "Y", "")
        out["ATOXGR"] = events["grade"].astype(int).astype(str)
        out["ATOXGRN"] = events["grade"].astype(int)
        out["AESER"] = _yn(events["serious"])
        out["AREL"] = np.where(events["related_treatment"].astype(bool), "RELATED", "NOT RELATED")
        out["RTRELFL"] = _yn(events["related_radiotherapy"])
        out["IMMRELFL"] = _yn(events["immune_related"])
        return out

    def _emergent(self, events: pd.DataFrame) -> np.ndarray:
        """rtio's treatment-emergent window over every dose: drug administrations and RT fractions."""
        doses = []
        exposures = self.study.table("exposures")
        if exposures is not None:
            doses.append(exposures[["subject_id", "date"]])
        rt = self.study.table("radiotherapy")
        if rt is not None:
            doses += [
                rt[["subject_id", c]].set_axis(["subject_id", "date"], axis=1)
                for c in ("start_date", "end_date")
            ]
        if not doses:
            return np.zeros(len(events), dtype=bool)
        dosing = pd.concat(doses, ignore_index=True).assign(
            subject_id=lambda f: f["subject_id"].astype(str)
        )
        return treatment_emergent(events, dosing).fillna(False).to_numpy(dtype=bool)

    def adlb(self) -> pd.DataFrame:
        graded = self.derived.adlb
        labs = self.study.table("labs")
        if graded is None or labs is None or labs.empty:
            return pd.DataFrame()
        labs = labs.reset_index(drop=True).assign(
            subject_id=lambda f: f["subject_id"].astype(str), _row=lambda f: np.arange(len(f))
        )
        key = ["subject_id", "date", "test", "value"]
        graded = graded.assign(subject_id=graded["subject_id"].astype(str))
        graded = graded.assign(_direction=np.where(graded["ctcae_term"].isin(LOW_TERMS), "L", "H"))
        graded = graded.merge(labs[[*key, "_row"]].drop_duplicates(key), on=key, how="left")
        wide = {}
        for direction in ("L", "H"):
            part = (
                graded[graded["_direction"] == direction].drop_duplicates("_row").set_index("_row")
            )
            wide[direction] = part
        labs = labs.sort_values(["subject_id", "test", "date"], kind="stable").reset_index(
            drop=True
        )
        out = self._ids(labs["subject_id"])
        out["ASEQ"] = out.groupby("USUBJID").cumcount() + 1
        test = labs["test"].astype(str)
        out["PARAMCD"] = test.map({k: v[0] for k, v in LAB_CODES.items()}).fillna(
            test.str.upper().str.replace(r"[^A-Z0-9]", "", regex=True).str[:8]
        )
        out["PARAM"] = (
            test.map({k: v[1] for k, v in LAB_CODES.items()}).fillna(test)
            + " ("
            + labs["unit"].astype(str)
            + ")"
        )
        out["AVAL"] = labs["value"].astype(float)
        out["LBSTRESU"] = labs["unit"].astype(str)
        out["ADT"] = labs["date"]
        trtsdt = self._trtsdt(labs["subject_id"])
        out["ADY"] = _relative_day(labs["date"], trtsdt)
        out["ANRLO"] = labs["lln"].astype(float) if "lln" in labs else np.nan
        out["ANRHI"] = labs["uln"].astype(float) if "uln" in labs else np.nan
        for direction, term_var, grade_var in (
            ("L", "ATOXDSCL", "ATOXGRL"),
            ("H", "ATOXDSCH", "ATOXGRH"),
        ):
            part = wide[direction]
            out[term_var] = labs["_row"].map(part["ctcae_term"]).fillna("")
            grade = labs["_row"].map(part["grade"])
            out[grade_var] = grade.map(lambda g: "" if pd.isna(g) else str(int(g)))
        before = (labs["date"] <= trtsdt).to_numpy()
        baseline = labs[before].groupby(["subject_id", "test"]).tail(1).index
        out["ABLFL"] = np.where(out.index.isin(baseline), "Y", "")
        base = out.loc[baseline].assign(
            subject_id=labs.loc[baseline, "subject_id"], test=labs.loc[baseline, "test"]
        )
        base = base.set_index(["subject_id", "test"])
        keys = pd.MultiIndex.from_arrays([labs["subject_id"], labs["test"]])
        out["BASE"] = base["AVAL"].reindex(keys).to_numpy()
        out["BTOXGRL"] = base["ATOXGRL"].reindex(keys).fillna("").to_numpy()
        out["BTOXGRH"] = base["ATOXGRH"].reindex(keys).fillna("").to_numpy()
        return out


def _population_variable(population: str) -> tuple[str, str]:
    """The ADSL flag variable of a protocol population (ITT -> ITTFL, safety -> SAFFL, ...)."""
    lowered = population.lower()
    for start, variable in POPULATION_FLAGS.items():
        if lowered.startswith(start):
            return variable
    name = "".join(ch for ch in population.upper() if ch.isalnum())[:6] + "FL"
    return name, f"{population} Population Flag"[:40]


SOURCE_VARIABLES = {
    "assessment_date": "ADT",
    "death_date": "DTHDT",
    "last_known_alive_date": "LSTALVDT",
    "start_date": "TRTSDT",
}
"""rtio's date columns -> the ADaM variable that carries them (ADRS.ADT, ADSL.DTHDT, ...)."""


def _sources(tte: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """SRCDOM / SRCVAR of each ADTTE row from the sources rtio's derivation records (``srcdom``,
    ``srcvar``), the variable named as the ADaM dataset holds it."""
    domain = tte["srcdom"].astype(object).where(tte["srcdom"].notna(), "")
    column = tte["srcvar"].astype(object).where(tte["srcvar"].notna(), "")
    return domain, column.map(lambda c: SOURCE_VARIABLES.get(c, str(c).upper()))

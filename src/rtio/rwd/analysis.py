"""Seed 001's cohort analyses on a cohort that stays in the engine.

The same comparisons as ``rtio analyse`` on the extracted study (``rtio.analyse.cohort``): local RT
naive / at landmarks / as a time-varying covariate, and IO cycles 1–6 / 7–12 / > 12 naive / at a
landmark / time-varying — with the follow-up, landmark sets, exposure changes and counting-process
intervals built in SQL by the rules of :mod:`rtio.cohort` (half-day offsets included), and every
KM / log-rank / Cox from engine aggregates (:mod:`rtio.rwd.survival`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from rtio.analyse.cohort import CYCLE_LANDMARK_DAYS, IMMUNOTHERAPY_DRUGS, LANDMARKS_DAYS
from rtio.cohort.exposure_analysis import (
    CategoricalComparison,
    ExposureComparison,
    GroupMedian,
    HazardRatio,
)
from rtio.cohort.followup import ZERO_DAY_TIME
from rtio.cohort.timing import SAME_DAY_OFFSET
from rtio.rwd.engine import Engine
from rtio.rwd.survival import CoxFit, cox_pushdown, event_counts, km_from_counts, logrank_pushdown
from rtio.vocabulary import DAYS_PER_MONTH


def _cutoff(value: dt.date | None) -> str | None:
    return None if value is None else f"DATE '{value.isoformat()}'"


class CohortTables:
    """Names of the engine tables holding the study's subjects, exposures and radiotherapy."""

    def __init__(
        self,
        engine: Engine,
        subjects: str = "study_subjects",
        exposures: str = "study_exposures",
        radiotherapy: str = "study_radiotherapy",
        data_cutoff: dt.date | None = None,
    ) -> None:
        self.engine = engine
        self.subjects, self.exposures, self.radiotherapy = subjects, exposures, radiotherapy
        self.data_cutoff = data_cutoff

    def followup(self) -> str:
        """OS from the index, as :func:`rtio.cohort.overall_survival`: death, else last known
        alive; beyond the cut-off censored at it; a zero-day follow-up counts as half a day."""
        end = "COALESCE(death_date, last_known_alive_date)"
        cut = _cutoff(self.data_cutoff)
        late = f"({end} > {cut})" if cut else "FALSE"
        return (
            f"SELECT subject_id, CASE WHEN d = 0 THEN {ZERO_DAY_TIME} ELSE CAST(d AS DOUBLE) END AS time, "
            "event FROM (SELECT subject_id, date_diff('day', start_date, "
            f"CASE WHEN {late} THEN {cut or 'NULL'} ELSE {end} END) AS d, "
            f"CASE WHEN death_date IS NOT NULL AND NOT {late} THEN 1 ELSE 0 END AS event "
            f"FROM {self.subjects}) f"
        )

    def os_days(self) -> str:
        """ADTTE OS as ``rtio.derive.tte.derive_os``: aval_days = ADT − start date, deaths after
        the cut-off ignored, last known alive capped at the cut-off."""
        cut = _cutoff(self.data_cutoff)
        death = f"CASE WHEN death_date <= {cut} THEN death_date END" if cut else "death_date"
        alive = (
            f"CASE WHEN last_known_alive_date > {cut} THEN {cut} ELSE last_known_alive_date END"
            if cut
            else "last_known_alive_date"
        )
        return (
            f"SELECT subject_id, CAST(date_diff('day', start_date, COALESCE({death}, {alive}, start_date)) AS DOUBLE) "
            f"AS time, CASE WHEN {death} IS NOT NULL THEN 1 ELSE 0 END AS event FROM {self.subjects}"
        )

    def rt_exposure(self) -> str:
        """Follow-up with the day of the first RT fraction (NULL: never irradiated)."""
        return (
            "SELECT f.subject_id, f.time, f.event, r.day FROM an_followup f LEFT JOIN "
            f"(SELECT s.subject_id, CAST(date_diff('day', s.start_date, MIN(r.start_date)) AS DOUBLE) AS day "
            f"FROM {self.radiotherapy} r JOIN {self.subjects} s ON s.subject_id = r.subject_id "
            "GROUP BY s.subject_id, s.start_date) r ON r.subject_id = f.subject_id"
        )

    def cycle_changes(self, thresholds: Sequence[int]) -> str:
        """Days at which the cumulative count of distinct IO administration dates reaches each
        threshold (``rtio.cohort.cycle_category_times``): subject_id, time, level."""
        drugs = ", ".join(f"'{d}'" for d in IMMUNOTHERAPY_DRUGS)
        cases = " ".join(f"WHEN {t} THEN {level}" for level, t in enumerate(thresholds, start=1))
        wanted = ", ".join(str(t) for t in thresholds)
        return (
            "SELECT subject_id, CAST(date_diff('day', start_date, date) AS DOUBLE) AS time, "
            f"CASE k {cases} END AS level FROM (SELECT x.subject_id, x.date, s.start_date, "
            "ROW_NUMBER() OVER (PARTITION BY x.subject_id ORDER BY x.date) AS k FROM "
            f"(SELECT DISTINCT subject_id, date FROM {self.exposures} WHERE lower(drug) IN ({drugs})) x "
            f"JOIN {self.subjects} s ON s.subject_id = x.subject_id) c WHERE k IN ({wanted})"
        )

    @staticmethod
    def counting_process(changes: str) -> str:
        """``rtio.cohort.counting_process`` in SQL: intervals of constant exposure level; a change
        on the day of the event moves half a day before it; a change after follow-up never happens."""
        return (
            "WITH moved AS (SELECT c.subject_id, CASE WHEN c.time = f.time AND f.event = 1 "
            f"THEN f.time - {SAME_DAY_OFFSET} ELSE c.time END AS t, c.level, f.time AS end_time "
            f"FROM {changes} c JOIN an_followup f ON f.subject_id = c.subject_id), "
            "valid AS (SELECT * FROM moved WHERE t < end_time), "
            "first_level AS (SELECT f.subject_id, CAST(0.0 AS DOUBLE) AS t, COALESCE(s.level, 0) AS level "
            "FROM an_followup f LEFT JOIN (SELECT subject_id, MAX(level) AS level FROM valid WHERE t <= 0 "
            "GROUP BY subject_id) s ON s.subject_id = f.subject_id), "
            "points AS (SELECT subject_id, t, MAX(level) AS level FROM (SELECT subject_id, t, level FROM first_level "
            "UNION ALL SELECT subject_id, t, level FROM valid WHERE t > 0) u GROUP BY subject_id, t), "
            "intervals AS (SELECT subject_id, t, level, LEAD(t) OVER (PARTITION BY subject_id ORDER BY t) AS next_t "
            "FROM points) "
            "SELECT i.subject_id, i.t AS start, COALESCE(i.next_t, f.time) AS stop, "
            "CASE WHEN i.next_t IS NULL THEN f.event ELSE 0 END AS event, i.level "
            "FROM intervals i JOIN an_followup f ON f.subject_id = i.subject_id"
        )


def _hazard_ratio(
    fit: CoxFit, row: int, n_subjects: int, n_events: int, method: str
) -> HazardRatio:
    summary = fit.summary.iloc[row]
    return HazardRatio(
        hr=float(summary["hr"]),
        lower=float(summary["hr_lower"]),
        upper=float(summary["hr_upper"]),
        p_value=float(summary["p_value"]),
        n_subjects=int(n_subjects),
        n_events=int(n_events),
        method=method,
    )


class PushedDownCohort:
    """The cohort comparisons of ``rtio analyse``, computed in the engine."""

    def __init__(self, tables: CohortTables) -> None:
        self.t = tables
        self.engine = tables.engine
        inputs = [tables.subjects]
        self.engine.stage("an_followup", tables.followup(), inputs)

    def _medians(self, relation: str, labels: dict[int, str]) -> list[GroupMedian]:
        """KM median (months) per group, as ``rtio.cohort.exposure_analysis.group_medians``."""
        counts = event_counts(self.engine, relation, group="grp")
        out = []
        for value, label in labels.items():
            part = counts[counts["grp"] == value]
            if part.empty:
                continue
            median = km_from_counts(part, scale=DAYS_PER_MONTH).median()
            out.append(
                GroupMedian(
                    str(label),
                    int(part["n"].sum()),
                    int((part["n"] * part["event"]).sum()),
                    median.value,
                    median.lower,
                    median.upper,
                )
            )
        return out

    def _levels(self, relation: str) -> list[int]:
        return sorted(
            int(v) for v in self.engine.fetch(f"SELECT DISTINCT grp FROM ({relation}) r")["grp"]
        )

    def _binary_hr(
        self, relation: str, inputs: Sequence[str], method: str, entry: str | None = None
    ) -> HazardRatio:
        fit = cox_pushdown(
            self.engine,
            relation,
            inputs,
            {"exposed": "grp"},
            duration="stop" if entry else "time",
            entry=entry,
        )
        return _hazard_ratio(
            fit, 0, fit.n if entry is None else self._subjects(relation), fit.n_events, method
        )

    def _subjects(self, relation: str) -> int:
        return int(
            self.engine.fetch(f"SELECT COUNT(DISTINCT subject_id) AS n FROM ({relation}) r").iloc[
                0
            ]["n"]
        )

    def compare_rt(
        self, name: str = "local RT", landmarks: Sequence[float] = LANDMARKS_DAYS
    ) -> ExposureComparison | None:
        """``rtio.cohort.exposure_analysis.compare_exposure`` for the first RT fraction day."""
        engine = self.engine
        engine.stage(
            "an_rt", self.t.rt_exposure(), ["an_followup", self.t.radiotherapy, self.t.subjects]
        )
        summary = engine.fetch(
            "SELECT COUNT(day) AS exposed, COUNT(*) AS n, MAX(day) AS last FROM an_rt"
        ).iloc[0]
        if not 0 < summary["exposed"] < summary["n"]:
            return None
        labels = {0: f"no {name}", 1: name}
        naive = "SELECT subject_id, time, event, CASE WHEN day IS NULL THEN 0 ELSE 1 END AS grp FROM an_rt"
        starts_after = bool(max(float(summary["last"]), 0.0) > 0)
        comparison = ExposureComparison(
            exposure=name,
            starts_after_index=starts_after,
            naive_medians=self._medians(naive, labels),
            naive_logrank_p=float(logrank_pushdown(engine, naive, "grp", [0, 1]).p_value),
            naive_hr=self._binary_hr(
                naive, ["an_rt"], "Cox PH, exposure as ever/never from the index date (naive)"
            ),
            warning=(
                f"{name} can start after the index date: the naive comparison credits it with the "
                "time patients had to survive to receive it (immortal-time bias). Read the landmark "
                "and time-varying results."
                if starts_after
                else None
            ),
        )
        for landmark in landmarks:
            data = (
                f"SELECT subject_id, time - {landmark!r} AS time, event, CASE WHEN day IS NOT NULL "
                f"AND day <= {landmark!r} THEN 1 ELSE 0 END AS grp FROM an_rt WHERE time > {landmark!r}"
            )
            comparison.landmarks[landmark] = self._binary_hr(
                data, ["an_rt"], f"Cox PH at a {landmark:g}-day landmark (exposure by the landmark)"
            )
            comparison.landmark_medians[landmark] = self._medians(data, labels)
        changes = "(SELECT subject_id, day AS time, 1 AS level FROM an_rt WHERE day IS NOT NULL)"
        engine.stage("an_rt_process", self.t.counting_process(changes), ["an_rt", "an_followup"])
        comparison.time_varying_hr = self._binary_hr(
            "SELECT subject_id, start, stop, event, level AS grp FROM an_rt_process",
            ["an_rt_process"],
            "Cox PH with exposure as a time-varying covariate (start, stop]",
            entry="start",
        )
        return comparison

    def compare_cycles(
        self,
        labels: list[str],
        thresholds: Sequence[int],
        name: str = "IO cycles",
        landmarks: Sequence[float] = CYCLE_LANDMARK_DAYS,
    ) -> CategoricalComparison:
        """``rtio.cohort.exposure_analysis.compare_categorical_exposure`` for cumulative cycles."""
        engine = self.engine
        engine.stage(
            "an_cycle_changes",
            self.t.cycle_changes(thresholds),
            [self.t.exposures, self.t.subjects],
        )
        names = dict(enumerate(labels))

        def level_by(limit: str, where: str = "TRUE") -> str:
            return (
                f"SELECT f.subject_id, f.time, f.event, COALESCE(MAX(c.level), 0) AS grp FROM an_followup f "
                f"LEFT JOIN an_cycle_changes c ON c.subject_id = f.subject_id AND c.time <= {limit} "
                f"WHERE {where} GROUP BY f.subject_id, f.time, f.event"
            )

        naive = level_by("f.time")
        result = CategoricalComparison(
            exposure=name,
            labels=labels,
            naive_medians=self._medians(naive, names),
            naive_logrank_p=float(
                logrank_pushdown(engine, naive, "grp", self._levels(naive)).p_value
            ),
            warning=(
                f"{name} accrues after the index date: patients must survive to receive more cycles, so the "
                "naive comparison by the final category is biased towards the higher categories "
                "(immortal-time bias). Read the landmark and time-varying results."
            ),
        )
        for landmark in landmarks:
            kept = level_by(repr(landmark), f"f.time > {landmark!r}")
            data = f"SELECT subject_id, time - {landmark!r} AS time, event, grp FROM ({kept}) k"
            result.landmark_medians[landmark] = self._medians(data, names)
            levels = self._levels(data)
            if len(levels) > 1:
                result.landmark_logrank_p[landmark] = float(
                    logrank_pushdown(engine, data, "grp", levels).p_value
                )
        engine.stage(
            "an_cycle_process",
            self.t.counting_process("an_cycle_changes"),
            ["an_cycle_changes", "an_followup"],
        )
        present = self._levels("SELECT level AS grp FROM an_cycle_process")
        if len(present) > 1:
            totals = engine.fetch(
                "SELECT COUNT(*) AS n, SUM(event) AS events FROM an_followup"
            ).iloc[0]
            fit = cox_pushdown(
                engine,
                "SELECT * FROM an_cycle_process",
                ["an_cycle_process"],
                {
                    f"category{lvl}": f"CASE WHEN level = {lvl} THEN 1 ELSE 0 END"
                    for lvl in present[1:]
                },
                duration="stop",
                entry="start",
            )
            for row, level in enumerate(present[1:]):
                result.time_varying_hr[labels[level]] = _hazard_ratio(
                    fit,
                    row,
                    int(totals["n"]),
                    int(totals["events"]),
                    f"Cox PH, current {name} category as a time-varying factor vs {labels[present[0]]}",
                )
        return result


def months(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=float) / DAYS_PER_MONTH

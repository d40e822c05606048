"""Results rendered as plain tables (title, header, rows of text) shared by the HTML, DOCX and PDF
writers, so the three formats print the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

from rtio.analyse.results import Interval, Proportion, Results
from rtio.derive.adverse_events import percent_text
from rtio.vocabulary import DAYS_PER_MONTH


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str | None = None
    key: str = field(default="")


def _num(value: float | None, digits: int = 1) -> str:
    return "NE" if value is None else f"{value:.{digits}f}"


def _interval(interval: Interval | None, digits: int = 1) -> str:
    if interval is None:
        return "—"
    return f"{_num(interval.value, digits)} ({_num(interval.lower, digits)}–{_num(interval.upper, digits)})"


def _pct_ci(p: Proportion) -> str:
    if p.rate is None:
        return "—"
    return f"{p.k}/{p.n}, {100 * p.rate:.1f}% ({100 * p.lower:.1f}–{100 * p.upper:.1f})"


def _p(value: float) -> str:
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def baseline(results: Results) -> Table:
    n = results.populations.get("ITT", 0)
    rows, last = [], None
    for row in results.baseline:
        rows.append(
            [row.characteristic if row.characteristic != last else "", row.category, row.text]
        )
        last = row.characteristic
    return Table(
        "Table 1. Baseline characteristics",
        ["Characteristic", "", f"Total (n = {n})"],
        rows,
        "Data are n (%) unless stated.",
        "baseline",
    )


def response(results: Results) -> Table:
    rows = []
    for block in results.response:
        counts = {c.category: c.n for c in block.distribution}
        rows.append(
            [block.population.replace("_", "-"), block.reading]
            + [str(counts.get(c, 0)) for c in ("CR", "PR", "SD", "PD", "NE")]
            + [_pct_ci(block.orr), _pct_ci(block.dcr)]
        )
    return Table(
        "Tumour response (RECIST 1.1)",
        ["Population", "Reading", "CR", "PR", "SD", "PD", "NE", "ORR (95% CI)", "DCR (95% CI)"],
        rows,
        "Exact Clopper–Pearson 95% CIs; subjects without an evaluable assessment count as NE in the denominator.",
        "response",
    )


def survival(results: Results) -> Table:
    rows = []
    for s in results.survival:
        rates = {round(r.months): r for r in s.rates}
        cells = []
        for months in (12, 24):
            r = rates.get(months)
            cells.append(
                "—"
                if r is None or r.survival is None
                else f"{100 * r.survival:.1f}% ({_num(None if r.lower is None else 100 * r.lower)}–{_num(None if r.upper is None else 100 * r.upper)})"
            )
        rows.append(
            [
                s.endpoint,
                s.population.replace("_", "-"),
                str(s.n),
                str(s.events),
                _interval(s.median),
                *cells,
            ]
        )
    note_parts = []
    if results.follow_up is not None:
        low, high = results.follow_up_range or (None, None)
        note_parts.append(
            f"Median follow-up (reverse KM) {_interval(results.follow_up)} months; range among censored "
            f"{_num(low)}–{_num(high)} months."
        )
    if results.duration_of_response is not None:
        q1, q3 = results.duration_of_response_iqr or (None, None)
        note_parts.append(
            f"Median duration of response {_num(results.duration_of_response.value)} months (IQR {_num(q1)}–{_num(q3)})."
        )
    note_parts.append(f"NE: not estimable (not reached). Months = days / {DAYS_PER_MONTH}.")
    return Table(
        "Time-to-event endpoints (Kaplan–Meier)",
        [
            "Endpoint",
            "Population",
            "n",
            "Events",
            "Median, months (95% CI)",
            "12-month rate (95% CI)",
            "24-month rate (95% CI)",
        ],
        rows,
        " ".join(note_parts),
        "survival",
    )


def historical(results: Results) -> Table | None:
    if not results.historical_control:
        return None
    rows = [
        [
            h.endpoint,
            h.population,
            f"{h.median_control_months:g}",
            f"{h.observed:.0f}",
            f"{h.expected:.1f}",
            f"{h.statistic:.2f}",
            _p(h.p_value) + (" (one-sided)" if h.sided == 1 else ""),
            h.method,
        ]
        for h in results.historical_control
    ]
    return Table(
        "Comparison with the historical control",
        [
            "Endpoint",
            "Population",
            "Control median (months)",
            "Observed",
            "Expected",
            "Z",
            "p",
            "Method",
        ],
        rows,
        key="historical",
    )


def adverse_events(results: Results) -> list[Table]:
    tables = []
    for i, table in enumerate(results.safety, start=2):
        rows = [
            [row["term"]]
            + [percent_text(int(row[f"grade_{g}"]), table.denominator) for g in range(1, 6)]
            + [
                percent_text(int(row["any_grade"]), table.denominator),
                percent_text(int(row["grade_3_plus"]), table.denominator),
            ]
            for row in table.rows
        ]
        title = f"Table {i}. {table.title} (n = {table.denominator})"
        tables.append(
            Table(
                title,
                [
                    "Term (CTCAE v5)",
                    "Grade 1",
                    "Grade 2",
                    "Grade 3",
                    "Grade 4",
                    "Grade 5",
                    "Any grade",
                    "Grade ≥3",
                ],
                rows,
                "Patients counted once per term at their worst grade; % of the denominator.",
                f"ae_{i}",
            )
        )
    return tables


def biomarkers(results: Results) -> list[Table]:
    out = []
    if results.biomarker_tests:
        rows = [
            [
                t.biomarker,
                t.timepoint.replace("_", "-"),
                str(t.n_responders),
                str(t.n_stable),
                f"{t.median_responders:.4g}",
                f"{t.median_stable:.4g}",
                f"{t.statistic:g}",
                _p(t.p_value),
            ]
            for t in results.biomarker_tests
        ]
        out.append(
            Table(
                "Biomarkers: responders (CR/PR) vs stable disease",
                [
                    "Biomarker",
                    "Timepoint",
                    "n CR/PR",
                    "n SD",
                    "Median CR/PR",
                    "Median SD",
                    "W",
                    "p",
                ],
                rows,
                "Two-sided Mann–Whitney test; exploratory, no adjustment for multiple comparisons.",
                "biomarker_tests",
            )
        )
    if results.biomarker_survival:
        rows = [
            [c.title, c.note or "", _interval(c.hazard_ratio, 2), _p(c.logrank_p)]
            for c in results.biomarker_survival
        ]
        out.append(
            Table(
                "Survival by biomarker level (high vs low)",
                [
                    "Comparison",
                    "Cut-off (30th percentile)",
                    "HR high vs low (95% CI)",
                    "Log-rank p",
                ],
                rows,
                "Cut-off: 30th percentile (R quantile type 7); values ≥ the cut-off are high. "
                "Exploratory, no adjustment for multiple comparisons.",
                "biomarker_survival",
            )
        )
    return out


def comparative(results: Results) -> list[Table]:
    out = []
    if results.comparisons:
        rows = [
            [
                c.title,
                _interval(c.hazard_ratio, 2),
                f"{c.logrank_chisq:.2f}",
                _p(c.logrank_p),
                "—" if c.ph_test_p is None else _p(c.ph_test_p),
                "—"
                if c.stratified_hazard_ratio is None
                else _interval(c.stratified_hazard_ratio, 2),
                "—" if c.stratified_logrank_p is None else _p(c.stratified_logrank_p),
            ]
            for c in results.comparisons
        ]
        out.append(
            Table(
                "Comparison of arms",
                [
                    "Comparison",
                    "HR (95% CI)",
                    "Log-rank χ²",
                    "p",
                    "PH test p",
                    "Stratified HR (95% CI)",
                    "Stratified p",
                ],
                rows,
                " ".join(
                    filter(
                        None,
                        [
                            results.non_inferiority,
                            "PH test: score test of a time-varying hazard ratio on the "
                            "Kaplan–Meier time scale (R cox.zph); a small p questions the "
                            "proportional-hazards assumption behind the HR. Stratified: Cox "
                            "model and log-rank test stratified by the randomization stratum.",
                        ],
                    )
                ),
                "arms",
            )
        )
    if results.forest:
        rows = [
            [
                r.subgroup,
                r.level,
                str(r.n),
                str(r.events),
                "—" if r.hr is None else f"{r.hr:.2f} ({r.lower:.2f}–{r.upper:.2f})",
            ]
            for r in results.forest
        ]
        out.append(
            Table(
                "Subgroup hazard ratios",
                ["Subgroup", "Level", "n", "Events", "HR (95% CI)"],
                rows,
                key="forest",
            )
        )
    return out


def cohort(results: Results) -> list[Table]:
    out = []
    for name, comparison in results.cohort.items():
        if not isinstance(comparison, dict) or "naive_hr" not in comparison:
            continue
        rows = [["Naive (ever vs never, from the index date)", *_hr_cells(comparison["naive_hr"])]]
        for landmark, hr in comparison["landmarks"].items():
            rows.append(
                [f"Landmark at {float(landmark) / DAYS_PER_MONTH:.0f} months", *_hr_cells(hr)]
            )
        if comparison.get("time_varying_hr"):
            rows.append(
                ["Time-varying exposure (start, stop]", *_hr_cells(comparison["time_varying_hr"])]
            )
        out.append(
            Table(
                f"Exposure: {comparison['exposure']}",
                ["Analysis", "Patients", "Events", "HR (95% CI)", "p"],
                rows,
                comparison.get("warning"),
                f"cohort_{name}",
            )
        )
    cycles = results.cohort.get("io_cycles")
    if cycles:
        rows = [
            [
                f"Naive: {m['group']} (final category)",
                str(m["n"]),
                str(m["events"]),
                _median_cell(m),
                "",
            ]
            for m in cycles["naive_medians"]
        ]
        for landmark, medians in cycles["landmark_medians"].items():
            for m in medians:
                rows.append(
                    [
                        f"Landmark {float(landmark) / DAYS_PER_MONTH:.0f} months: {m['group']}",
                        str(m["n"]),
                        str(m["events"]),
                        _median_cell(m),
                        "",
                    ]
                )
        for label, hr in cycles["time_varying_hr"].items():
            rows.append(
                [
                    f"Time-varying: {label} vs {cycles['labels'][0]}",
                    str(hr["n_subjects"]),
                    str(hr["n_events"]),
                    "",
                    f"{hr['hr']:.2f} ({hr['lower']:.2f}–{hr['upper']:.2f})",
                ]
            )
        out.append(
            Table(
                "Exposure: IO cycles",
                ["Analysis", "Patients", "Events", "Median OS, months (95% CI)", "HR (95% CI)"],
                rows,
                cycles.get("warning"),
                "cohort_io_cycles",
            )
        )
    if "neoadjuvant_endpoints" in results.cohort:
        rows = [
            [
                e["endpoint"],
                f"{e['k']}/{e['n']}",
                f"{100 * e['rate']:.1f}% ({100 * e['lower']:.1f}–{100 * e['upper']:.1f})",
            ]
            for e in results.cohort["neoadjuvant_endpoints"]
        ]
        out.append(
            Table(
                "Surgical and pathological endpoints",
                ["Endpoint", "n/N", "Rate (95% CI)"],
                rows,
                "Exact Clopper–Pearson 95% CIs; denominator: all patients.",
                "neoadjuvant",
            )
        )
    return out


def _median_cell(m: dict) -> str:
    value, lower, upper = (m[k] for k in ("median_months", "lower_months", "upper_months"))
    fmt = lambda v: "NE" if v is None or v != v else f"{v:.1f}"  # noqa: E731
    return f"{fmt(value)} ({fmt(lower)}–{fmt(upper)})"


def _hr_cells(hr: dict) -> list[str]:
    return [
        str(hr["n_subjects"]),
        str(hr["n_events"]),
        f"{hr['hr']:.2f} ({hr['lower']:.2f}–{hr['upper']:.2f})",
        _p(hr["p_value"]),
    ]


def rt_lesions(results: Results) -> list[Table]:
    if not results.rt_lesions:
        return []
    abscopal = results.rt_lesions["abscopal"]
    rows = []
    if abscopal["n"]:
        rows.append(
            [
                "Abscopal response",
                f"{abscopal['k']}/{abscopal['n']}",
                f"{100 * abscopal['k'] / abscopal['n']:.1f}% ({100 * abscopal['lower']:.1f}–{100 * abscopal['upper']:.1f})",
            ]
        )
    for where, count in results.rt_lesions["progression_field"].items():
        rows.append([f"First progression: {where}", str(count), ""])
    return [
        Table(
            "Irradiated and non-irradiated lesions",
            ["Measure", "n", "Rate (95% CI)"],
            rows,
            (
                f"Abscopal response: {abscopal['definition']}; exact CI. "
                if abscopal["n"]
                else f"Abscopal response not evaluable: {abscopal['definition']}. "
            )
            + "In-field: an irradiated lesion progressed; out-of-field: a non-irradiated or new lesion.",
            "rt_lesions",
        ),
        *_competing_first_events(results.rt_lesions.get("competing_risks") or {}),
    ]


def _competing_first_events(risks: dict) -> list[Table]:
    """Cumulative incidence of each competing first event, with Gray's test by arm if two arms."""
    if not risks.get("incidence"):
        return []
    gray = risks.get("gray_test_by_arm", {})
    months = [f"{t:g} months" for t in risks["times_months"]]
    rows = [
        [
            cause,
            str(risks["events"].get(cause, 0)),
            *[f"{100 * v:.1f}%" for v in values],
            *([_p(gray[cause]["p_value"]) if cause in gray else "—"] if gray else []),
        ]
        for cause, values in risks["incidence"].items()
    ]
    return [
        Table(
            "Competing first events after day 1 (cumulative incidence)",
            ["First event", "n", *months, *(["Gray's test p, by arm"] if gray else [])],
            rows,
            "Aalen–Johansen cumulative incidence of each first event (PFS time; in-field includes "
            "progression in and out of the field together); competing events are the other rows. "
            + (
                "Gray's test compares the arms' cumulative incidence of that event." if gray else ""
            ),
            "competing_events",
        )
    ]


def all_tables(results: Results) -> list[Table]:
    """Every table the results support, in report order."""
    tables = [baseline(results)]
    if results.response:
        tables.append(response(results))
    if results.survival:
        tables.append(survival(results))
    extra = historical(results)
    if extra is not None:
        tables.append(extra)
    return (
        tables
        + comparative(results)
        + rt_lesions(results)
        + cohort(results)
        + adverse_events(results)
        + biomarkers(results)
    )

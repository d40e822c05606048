"""Publication figures from Results: KM with numbers at risk (overall and by arm), waterfall,
swimmer, spider, biomarker box plots, KM by biomarker, forest plot and the CONSORT trial profile.

Figures are matplotlib ``Figure`` objects made without pyplot, so importing this module neither
selects a backend nor changes global state; the house style is applied with ``rc_context`` inside
each figure function (and when saving). Every text from the data reaches matplotlib through
:func:`safe_label` (``$`` escaped so that no label is read as TeX, length capped), and file names
come only from :func:`file_stem` (letters, digits, ``_`` and ``-``).
"""

from __future__ import annotations

import functools
import itertools
import re
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from pydantic import BaseModel

from rtio.analyse.results import (
    BiomarkerTest,
    Disposition,
    Forest,
    GroupComparison,
    Results,
    SurvivalResult,
)

BOR_COLOURS = {
    "CR": "#1b7837",
    "PR": "#5aae61",
    "SD": "#4393c3",
    "NON-CR/NON-PD": "#92c5de",
    "PD": "#d6604d",
    "NE": "#999999",
}
CURVE_COLOURS = ["#2166ac", "#b2182b", "#1b7837", "#762a83"]
STYLE = {
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "rtio",
}
"""The house style, applied with ``matplotlib.rc_context`` (global rcParams are never changed)."""
MARK_LIMIT = 500
"""Censoring ticks of a KM curve and the points beside a box plot are drawn up to this many (a
larger study shows the curve and the box alone; the figure's data are in results.json)."""
BAR_LIMIT = 300
"""Waterfalls of more patients are drawn as lines (one artist), not one bar patch each."""
LABEL_LIMIT = 60
"""Longest label drawn (characters); longer ones end in "…"."""
P = ParamSpec("P")
R = TypeVar("R")


def safe_label(text: object, limit: int = LABEL_LIMIT) -> str:
    """Text for matplotlib: ``$`` escaped (no mathtext), control characters removed, at most
    ``limit`` characters."""
    plain = re.sub(r"[\x00-\x1f\x7f]", " ", str(text))
    if len(plain) > limit:
        plain = plain[: limit - 1].rstrip() + "…"
    return plain.replace("$", r"\$")


def file_stem(*parts: str) -> str:
    """A file name made only of letters, digits, ``_`` and ``-`` (at most 80 characters)."""
    stem = "_".join(re.sub(r"[^A-Za-z0-9-]+", "_", p).strip("_").lower() for p in parts)
    return stem[:80] or "figure"


def styled(function: Callable[P, R]) -> Callable[P, R]:
    """Run a figure function with the house style."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(STYLE):  # type: ignore[arg-type]
            return function(*args, **kwargs)

    return wrapper


@styled
def save(figure: Figure, folder: Path, name: str) -> dict[str, Path]:
    """Write PNG (200 dpi) and SVG under the sanitised ``name``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(name)
    paths = {"png": folder / f"{stem}.png", "svg": folder / f"{stem}.svg"}
    figure.savefig(paths["png"], dpi=200, bbox_inches="tight")
    figure.savefig(paths["svg"], bbox_inches="tight", metadata={"Date": None})
    return paths


def _new(
    figsize: tuple[float, float], rows: int = 1, columns: int = 1, **options: Any
) -> tuple[Figure, Any]:
    """A figure (no pyplot, no backend) and its axes."""
    figure = Figure(figsize=figsize)
    return figure, figure.subplots(rows, columns, **options)


def _frame(rows: Sequence[BaseModel]) -> pd.DataFrame:
    """Result rows as a data frame (one column per field)."""
    return pd.DataFrame([row.model_dump() for row in rows])


def _step(ax: Any, curve: SurvivalResult, colour: str, label: str) -> None:
    """One KM curve with its CI band and censoring ticks (``label`` already made safe)."""
    points = _frame(curve.curve)
    times = np.concatenate([[0.0], points["months"]])
    surv = np.concatenate([[1.0], points["survival"]])
    lower = np.concatenate([[1.0], points["lower"].astype(float).fillna(np.nan)])
    upper = np.concatenate([[1.0], points["upper"].astype(float).fillna(np.nan)])
    ax.step(times, surv, where="post", color=colour, lw=1.6, label=label)
    ax.fill_between(times, lower, upper, step="post", color=colour, alpha=0.15, lw=0)
    censored = points[points["n_censor"] > 0]
    if len(censored) <= MARK_LIMIT:
        ax.plot(censored["months"], censored["survival"], "|", color=colour, ms=7, mew=1.2)


def _at_risk(curve: SurvivalResult, ticks: np.ndarray) -> np.ndarray:
    """Numbers at risk at each tick (R ``summary(fit, times = ticks)$n.risk``)."""
    months = np.array([p.months for p in curve.curve])
    n_risk = np.array([p.n_risk for p in curve.curve])
    row = np.searchsorted(months, ticks, side="left")
    return np.where(row < months.size, n_risk[np.minimum(row, months.size - 1)], 0).astype(int)


AT_RISK_LINE_IN = 0.2
"""Height of one line of the numbers-at-risk table (inches)."""


@styled
def km_figure(
    curves: list[SurvivalResult],
    title: str,
    ylabel: str,
    labels: list[str] | None = None,
    note: str | None = None,
) -> Figure:
    """Kaplan–Meier curves with 95 % CI bands, censoring ticks, medians and a numbers-at-risk table
    (with several curves, each row under its own label line). ``note`` (several lines allowed) is
    printed under the axis, above the numbers at risk, so it never crosses a curve."""
    labels = labels or [c.group or c.population for c in curves]
    several = len(curves) > 1
    note_lines = [safe_label(line, 120) for line in note.splitlines()] if note else []
    first = len(note_lines) + 1 if note_lines else 0  # the line of "Number at risk"
    lines = first + 1 + len(curves) * (2 if several else 1)
    figure, (ax, table) = _new(
        (6.4, 4.4 + AT_RISK_LINE_IN * (lines + 1)),
        2,
        1,
        gridspec_kw={"height_ratios": [4.4, AT_RISK_LINE_IN * (lines + 1)]},
    )
    horizon = max(max((p.months for p in c.curve), default=1) for c in curves)
    step = 6 if horizon > 18 else 3
    ticks = np.arange(0, np.ceil(horizon / step) * step + 1e-9, step)
    for i, curve in enumerate(curves):
        median = curve.median.value
        text = "not reached" if median is None else f"{median:.1f} mo"
        _step(
            ax,
            curve,
            CURVE_COLOURS[i % len(CURVE_COLOURS)],
            f"{safe_label(labels[i], 40)} (n = {curve.n}; median {text})",
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, ticks[-1] if len(ticks) > 1 else horizon)
    ax.set_xticks(ticks)
    ax.set_ylabel(safe_label(ylabel))
    ax.set_title(safe_label(title, 80), loc="left", fontweight="bold")
    ax.axhline(0.5, color="#bbbbbb", lw=0.6, ls=":")
    ax.legend(frameon=False, loc="upper right", fontsize=7 if several else 8)
    ax.set_xlabel("Months")
    table.axis("off")
    table.set_xlim(ax.get_xlim())
    table.set_ylim(lines - 0.3, -0.7)  # one unit per text line, top down
    left = ax.get_xlim()[0]
    for y, line in enumerate(note_lines):
        table.text(left, y, line, fontsize=7.5, va="center")
    table.text(left, first, "Number at risk", fontsize=8, fontweight="bold", va="center")
    for row, curve in enumerate(curves):
        colour = CURVE_COLOURS[row % len(CURVE_COLOURS)]
        y = first + 1 + row * 2 if several else first + 1 + row
        if several:
            table.text(left, y, safe_label(labels[row], 50), va="center", fontsize=7, color=colour)
            y += 1
        for t, n in zip(ticks, _at_risk(curve, ticks), strict=True):
            table.text(t, y, str(n), ha="center", va="center", fontsize=8, color=colour)
    figure.tight_layout()
    return figure


@styled
def waterfall_figure(data: pd.DataFrame) -> Figure:
    """Best % change of the target sum per patient, coloured by BOR, with −30 % and +20 % lines;
    patients whose change cannot be computed (baseline sum 0) are counted, not drawn. With an
    ``arm`` column naming two or more arms (a randomized study), one panel per arm on a shared
    axis."""
    finite = data[np.isfinite(data["best_pct_from_baseline"].astype(float))]
    left_out = len(data) - len(finite)
    arms = list(pd.unique(finite["arm"].dropna())) if "arm" in finite else []
    panels = (
        [(str(a), finite[finite["arm"] == a]) for a in arms] if len(arms) > 1 else [("", finite)]
    )
    width = 7.0 if len(panels) == 1 else 3.6 * len(panels)
    figure, axes = _new((width, 3.6), 1, len(panels), sharey=True, squeeze=False)
    for ax, (arm, part) in zip(axes[0], panels, strict=True):
        _waterfall_panel(ax, part.sort_values("best_pct_from_baseline", ascending=False))
        if arm:
            ax.set_title(f"{safe_label(arm, 40)} (n = {len(part)})", loc="left", fontsize=9)
    first = axes[0][0]
    first.set_ylabel("Best change from baseline (%)")
    title = f"Best percentage change in target lesions (n = {len(finite)})" + (
        f"; {left_out} not computable (baseline sum 0)" if left_out else ""
    )
    if len(panels) == 1:
        first.set_title(title, loc="left", fontweight="bold")
    else:
        figure.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=10)
    present = [b for b in BOR_COLOURS if b in set(finite["bor"].fillna("NE"))]
    handles = [Rectangle((0, 0), 1, 1, color=BOR_COLOURS[b]) for b in present]
    first.legend(
        handles, present, frameon=False, ncol=max(1, len(present)), loc="lower left", fontsize=8
    )
    low = float(finite["best_pct_from_baseline"].min()) if len(finite) else 0.0
    high = float(finite["best_pct_from_baseline"].max()) if len(finite) else 0.0
    first.set_ylim(min(-100, low - 5), max(60, high + 10))
    figure.tight_layout()
    return figure


def _waterfall_panel(ax: Any, data: pd.DataFrame) -> None:
    """One waterfall's bars (sorted already) and its −30 % / +20 % / 0 lines."""
    colours = [BOR_COLOURS.get(b, "#999999") for b in data["bor"].fillna("NE")]
    if len(data) <= BAR_LIMIT:
        ax.bar(np.arange(len(data)), data["best_pct_from_baseline"], color=colours, width=0.8)
    else:  # one line collection instead of a patch per patient
        ax.vlines(np.arange(len(data)), 0, data["best_pct_from_baseline"], colors=colours, lw=0.4)
        ax.set_xlim(-1, len(data))
    ax.axhline(20, color="#d6604d", ls="--", lw=0.9)
    ax.axhline(-30, color="#1b7837", ls="--", lw=0.9)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks([])


@styled
def swimmer_figure(data: pd.DataFrame) -> Figure:
    """Per patient: time on study, response onset, progression, death or ongoing follow-up."""
    data = data.sort_values("os_months").reset_index(drop=True)
    figure, ax = _new((6.4, min(60.0, max(3.0, 0.16 * len(data) + 1))))
    y = np.arange(len(data))
    colours = [BOR_COLOURS.get(b, "#999999") for b in data["bor"]]
    ax.barh(y, data["os_months"], color=colours, height=0.7)
    ax.plot(
        data["response_months"].astype(float), y, "^", color="black", ms=4, label="response onset"
    )
    ax.plot(data["pd_months"].astype(float), y, "x", color="#b2182b", ms=4, label="progression")
    dead = data["dead"].astype(bool).to_numpy()
    ax.plot(data.loc[dead, "os_months"], y[dead], "s", color="black", ms=3, label="death")
    alive = ~dead
    ax.plot(
        data.loc[alive, "os_months"] + 0.4,
        y[alive],
        ">",
        color="#555555",
        ms=4,
        label="alive (ongoing)",
    )
    ax.set_yticks([])
    ax.set_xlabel("Months from start of treatment")
    ax.set_title("Response onset, duration and outcome", loc="left", fontweight="bold")
    markers = ax.legend(frameon=False, fontsize=7, loc="lower right")
    ax.add_artist(markers)
    present = [b for b in BOR_COLOURS if b in set(data["bor"])]
    patches = [Rectangle((0, 0), 1, 1, color=BOR_COLOURS[b]) for b in present]
    ax.legend(patches, [f"BOR {b}" for b in present], frameon=False, fontsize=7, loc="center right")
    figure.tight_layout()
    return figure


@styled
def spider_figure(data: pd.DataFrame, bor: dict[str, str]) -> Figure:
    """% change of the target sum over time per patient, coloured by BOR."""
    figure, ax = _new((6.4, 3.8))
    data = data.assign(colour=data["subject_id"].map(bor).map(BOR_COLOURS).fillna("#999999"))
    for (_, colour), part in data.groupby(["subject_id", "colour"], sort=False):
        ax.plot(part["month"], part["pct_from_baseline"], color=colour, lw=0.9, alpha=0.85)
    ax.axhline(20, color="#d6604d", ls="--", lw=0.8)
    ax.axhline(-30, color="#1b7837", ls="--", lw=0.8)
    ax.set_xlabel("Months from start of treatment")
    ax.set_ylabel("Change in target sum (%)")
    ax.set_title("Target lesion trajectories", loc="left", fontweight="bold")
    figure.tight_layout()
    return figure


@styled
def biomarker_box_figure(data: pd.DataFrame, tests: list[BiomarkerTest]) -> Figure | None:
    """Box plots of every tested biomarker x timepoint by response (PR/CR vs SD)."""
    data = data[data["response"].isin(["PR/CR", "SD"])]
    if not tests:
        return None
    columns = 4
    lines = int(np.ceil(len(tests) / columns))
    figure, axes = _new((7.2, 1.9 * lines + 0.6), lines, columns, squeeze=False)
    for ax, test in zip(axes.flat, tests, strict=False):
        part = data[(data["name"] == test.biomarker) & (data["timepoint"] == test.timepoint)]
        groups = [part.loc[part["response"] == g, "value"].to_numpy() for g in ("PR/CR", "SD")]
        ax.boxplot(groups, whis=(0, 100), widths=0.55, medianprops={"color": "black"})
        for i, values in enumerate(groups, start=1):
            if values.size > MARK_LIMIT:
                continue
            ax.plot(
                np.full(values.size, i) + np.linspace(-0.12, 0.12, values.size),
                values,
                ".",
                ms=3,
                color=CURVE_COLOURS[i - 1],
            )
        ax.set_xticks([1, 2], ["PR/CR", "SD"])
        unit = f" [{safe_label(test.unit, 15)}]" if test.unit else ""
        ax.set_title(
            f"{safe_label(test.biomarker, 20)} ({safe_label(test.timepoint.replace('_', '-'), 15)}){unit}"
            + (
                f"\np = {test.p_value:.3g}"
                if test.p_value is not None
                else f"\nnot estimable ({_shorter(test.not_estimable or 'no test', 30)})"
            ),
            fontsize=7,
        )
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(tests) :]:
        ax.axis("off")
    figure.suptitle(
        f"Biomarkers by response: all {len(tests)} comparisons (two-sided Mann–Whitney, "
        "no multiplicity adjustment)",
        x=0.01,
        ha="left",
        fontweight="bold",
    )
    figure.tight_layout()
    return figure


@styled
def km_grid_figure(comparisons: list[GroupComparison], limit: int = 8) -> Figure | None:
    """Small multiples: KM by biomarker high / low; the panels are the ``limit`` comparisons with
    the smallest log-rank p of all, and the title says so."""
    tested = [c for c in comparisons if c.logrank.p_value is not None]
    chosen = sorted(tested, key=lambda c: c.logrank.p_value or 1.0)[:limit]
    if not chosen:
        return None
    columns = 4
    lines = int(np.ceil(len(chosen) / columns))
    figure, axes = _new((7.6, 2.1 * lines + 0.6), lines, columns, squeeze=False)
    for ax, comparison in zip(axes.flat, chosen, strict=False):
        for i, curve in enumerate(comparison.curves):
            _step(ax, curve, CURVE_COLOURS[i], f"{safe_label(curve.group, 20)} ({curve.n})")
        ax.set_ylim(0, 1.02)
        ax.set_title(
            # a long title on two lines of its panel's width, not over the next panel
            "\n".join(textwrap.wrap(safe_label(comparison.title, 56), 28)[:2])
            + f"\nlog-rank p = {comparison.logrank.p_value:.3g}",
            fontsize=7,
        )
        ax.legend(frameon=False, fontsize=6, loc="lower left")
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(chosen) :]:
        ax.axis("off")
    shown = (
        f"all {len(chosen)} comparisons"
        if len(chosen) == len(comparisons)
        else f"the {len(chosen)} with the smallest log-rank p of {len(comparisons)} comparisons "
        "(all are in the table)"
    )
    figure.suptitle(
        f"Survival by biomarker level (30th-percentile split): {shown}",
        x=0.01,
        ha="left",
        fontweight="bold",
        fontsize=8,
    )
    figure.tight_layout()
    return figure


FOREST_TICKS = (0.01, 0.03, 0.1, 0.25, 0.5, 1, 2, 4, 10, 30, 100)


def _footnotes(reasons: Sequence[str | None]) -> tuple[list[str], list[str]]:
    """A mark per row (a, b, ... one per distinct reason; "" where there is none) and the
    footnotes "(a) reason" wrapped to the figure's width."""
    letters = {r: chr(ord("a") + i) for i, r in enumerate(dict.fromkeys(r for r in reasons if r))}
    notes = [
        line
        for reason, letter in letters.items()
        for line in textwrap.wrap(
            f"({letter}) not estimable: {safe_label(reason, 300)}", FOOTNOTE_CHARS
        )
    ]
    return [letters.get(r, "") if r else "" for r in reasons], notes


FOOTNOTE_CHARS = 110
"""Characters of a footnote line under a figure."""


FAVOURS_OFFSET_PT = 36
"""Distance (points) from the x axis down to the line of both "favours" labels, under the axis
label; the labels meet at HR = 1, one on each side."""


@styled
def forest_figure(forest: Forest) -> Figure:
    """Hazard ratios of ``group`` vs ``reference`` with 95 % CIs per subgroup, on a log scale, with
    "favours" labels under the axis and each row's events and HR (95 % CI) printed at its right;
    a subgroup without an estimate is printed as "not estimable (a)" there, with the reason in a
    footnote under the figure."""
    rows = forest.rows
    marks, notes = _footnotes(
        [
            None
            if r.hazard_ratio.value is not None
            else r.hazard_ratio.not_estimable or "no estimate"
            for r in rows
        ]
    )
    figure, ax = _new((8.2, 0.32 * len(rows) + 1.6 + 0.15 * len(notes)))
    y = np.arange(len(rows))[::-1]
    for yi, row, mark in zip(y, rows, marks, strict=True):
        hr = row.hazard_ratio
        ax.annotate(
            f"{row.events:>4}   "
            + (
                f"{hr.value:.2f} ({hr.lower:.2f}–{hr.upper:.2f})"
                if hr.value is not None and hr.lower is not None and hr.upper is not None
                else f"not estimable ({mark})"
            ),
            xy=(1, yi),
            xycoords=("axes fraction", "data"),
            xytext=(10, 0),
            textcoords="offset points",
            va="center",
            fontsize=7.5,
            family="monospace",
        )
    if notes:
        figure.text(0.01, 0.01, "\n".join(notes), fontsize=7, va="bottom", ha="left")
    ax.annotate(
        "events   HR (95% CI)",
        xy=(1, len(rows) - 0.4),
        xycoords=("axes fraction", "data"),
        xytext=(10, 2),
        textcoords="offset points",
        va="bottom",
        fontsize=7.5,
        fontweight="bold",
        family="monospace",
    )
    shown = [(yi, r) for yi, r in zip(y, rows, strict=True) if r.hazard_ratio.value is not None]
    for yi, row in shown:
        hr = row.hazard_ratio
        ax.plot([hr.lower, hr.upper], [yi, yi], color="black", lw=1)
        ax.plot(hr.value, yi, "s", color=CURVE_COLOURS[0], ms=5)
    values = [
        v
        for _, r in shown
        for v in (r.hazard_ratio.lower, r.hazard_ratio.upper)
        if v is not None and np.isfinite(v) and v > 0
    ] or [0.5, 2.0]
    low, high = max(min(values), 1e-3), min(max(values), 1e3)
    span = max(high, 1 / low, 1.5)
    ax.set_xscale("log")
    ax.set_xlim(1 / span / 1.1, span * 1.1)
    ticks = [t for t in FOREST_TICKS if 1 / span / 1.1 <= t <= span * 1.1]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.axvline(1, color="#888888", ls="--", lw=0.8)
    ax.set_yticks(
        y,
        [safe_label(f"{r.subgroup} {r.level}".strip(), 30) + f" (n = {r.n})" for r in rows],
    )
    ax.set_ylim(-0.8, len(rows) - 0.4)
    ax.set_xlabel(f"Hazard ratio, {safe_label(forest.endpoint)} (95 % CI; log scale)")
    ax.annotate(
        f"← favours {safe_label(forest.group, 45)}",
        xy=(1, 0),
        xycoords=("data", "axes fraction"),
        xytext=(-4, -FAVOURS_OFFSET_PT),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=8,
    )
    ax.annotate(
        f"favours {safe_label(forest.reference, 45)} →",
        xy=(1, 0),
        xycoords=("data", "axes fraction"),
        xytext=(4, -FAVOURS_OFFSET_PT),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=8,
    )
    ax.set_title(
        f"HR {safe_label(forest.group, 45)}\nvs {safe_label(forest.reference, 45)}",
        loc="left",
        fontweight="bold",
        fontsize=8,
    )
    below = (0.15 * len(notes) + 0.1) / figure.get_figheight() if notes else 0.0
    figure.tight_layout(rect=(0, below, 1, 1))
    return figure


def _reasons(counts: dict[str, int], limit: int = 6) -> str:
    items = sorted(counts.items(), key=lambda kv: -kv[1])
    lines = [f"  {safe_label(k, 40)}: {v}" for k, v in items[:limit]]
    if len(items) > limit:
        lines.append(f"  other reasons: {sum(v for _, v in items[limit:])}")
    return "\n".join(lines)


@styled
def consort_figure(disposition: Disposition, populations: Sequence[str] = ()) -> Figure:
    """Trial profile (CONSORT flow). With arms: enrolment, allocation per arm (received / not
    received the allocated intervention), discontinued with reasons, analysed per population;
    single arm: enrolment, RT started and completed, discontinued before RT with reasons."""
    box = {"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "black", "lw": 0.8}
    side = {"boxstyle": "round,pad=0.4", "facecolor": "#f4f4f4", "edgecolor": "#666666", "lw": 0.6}
    screened = (
        f"Assessed for eligibility (n = {disposition.screened})"
        if disposition.screened is not None
        else "Screening log not recorded"
    )
    if disposition.arms:
        figure, ax = _new((7.6, 7.2))
        ax.axis("off")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.text(0.5, 0.96, screened, ha="center", va="center", bbox=box, fontsize=8)
        if disposition.excluded is not None:
            ax.text(
                0.78,
                0.88,
                f"Excluded (n = {disposition.excluded})\n"
                + _reasons(disposition.excluded_by_reason),
                ha="left",
                va="center",
                bbox=side,
                fontsize=6.5,
            )
        ax.text(
            0.5,
            0.80,
            f"Randomized (n = {disposition.enrolled})",
            ha="center",
            va="center",
            bbox=box,
            fontsize=8,
        )
        ax.annotate(
            "", xy=(0.5, 0.83), xytext=(0.5, 0.93), arrowprops={"arrowstyle": "->", "lw": 0.8}
        )
        width = 1 / len(disposition.arms)
        for i, arm in enumerate(disposition.arms):
            x = width * (i + 0.5)
            ax.annotate(
                "", xy=(x, 0.70), xytext=(0.5, 0.77), arrowprops={"arrowstyle": "->", "lw": 0.8}
            )
            not_received = arm.allocated - arm.received_allocated
            ax.text(
                x,
                0.62,
                f"Allocated to {safe_label(arm.arm, 38)}\n(n = {arm.allocated})\n"
                f"Received allocated intervention (n = {arm.received_allocated})\n"
                f"Did not receive it (n = {not_received})"
                + (("\n" + _reasons(arm.not_received, 4)) if not_received else ""),
                ha="center",
                va="center",
                bbox=box,
                fontsize=6.5,
            )
            stopped = sum(arm.discontinued.values())
            ax.text(
                x,
                0.36,
                f"Discontinued (n = {stopped})\n" + _reasons(arm.discontinued),
                ha="center",
                va="center",
                bbox=side,
                fontsize=6.5,
            )
            analysed = "\n".join(
                f"{safe_label(name.replace('_', '-'), 25)}: {n}"
                for name, n in arm.analysed.items()
                if not populations or name in populations
            )
            ax.text(
                x, 0.10, f"Analysed\n{analysed}", ha="center", va="center", bbox=box, fontsize=6.5
            )
            ax.annotate(
                "", xy=(x, 0.44), xytext=(x, 0.53), arrowprops={"arrowstyle": "->", "lw": 0.6}
            )
            ax.annotate(
                "", xy=(x, 0.17), xytext=(x, 0.28), arrowprops={"arrowstyle": "->", "lw": 0.6}
            )
        ax.set_title("Trial profile", loc="left", fontweight="bold")
        return figure
    figure, ax = _new((6.4, 5.2))
    ax.axis("off")
    steps = [
        (0.93, screened),
        (0.68, f"Enrolled (n = {disposition.enrolled})"),
        (0.43, f"Started radiotherapy (n = {disposition.started_rt})"),
        (0.18, f"Completed radiotherapy of all lesions (n = {disposition.completed_rt})"),
    ]
    for y, text in steps:
        ax.text(0.32, y, text, ha="center", va="center", bbox=box, fontsize=8.5)
    for (y0, _), (y1, _) in itertools.pairwise(steps):
        ax.annotate(
            "",
            xy=(0.32, y1 + 0.04),
            xytext=(0.32, y0 - 0.04),
            arrowprops={"arrowstyle": "->", "lw": 0.8},
        )
    if disposition.excluded is not None:
        ax.text(
            0.66,
            0.805,
            f"Excluded (n = {disposition.excluded})\n" + _reasons(disposition.excluded_by_reason),
            ha="left",
            va="center",
            bbox=side,
            fontsize=7,
        )
    ax.text(
        0.66,
        0.555,
        f"Discontinued before RT (n = {disposition.discontinued_before_rt})\n"
        + _reasons(disposition.discontinued_before_rt_by_reason),
        ha="left",
        va="center",
        bbox=side,
        fontsize=7,
    )
    ax.set_title("Trial profile", loc="left", fontweight="bold")
    return figure


def _shorter(text: str, limit: int) -> str:
    """At most ``limit`` characters (ending in "…"); escaping is left to :func:`safe_label`."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def hazard_note(comparison: GroupComparison) -> str:
    """The lines printed on a KM figure by arm: the unstratified HR named by its two groups, and
    the log-rank p."""
    hr = comparison.hazard_ratio
    assert hr is not None
    named = f"HR {_shorter(hr.group, 45)} vs {_shorter(hr.reference, 45)} (unstratified)"
    value = (
        f"{hr.value:.2f} ({100 * hr.conf_level:g}% CI {hr.lower:.2f}–{hr.upper:.2f})"
        if hr.value is not None and hr.lower is not None and hr.upper is not None
        else f"not estimable ({hr.not_estimable})"
    )
    logrank = (
        f"; log-rank p = {comparison.logrank.p_value:.3g}"
        if comparison.logrank.p_value is not None
        else ""
    )
    return f"{named}:\n{value}{logrank}"


ENDPOINT_NAMES = {"PFS": "Progression-free survival", "OS": "Overall survival"}
PER_PATIENT_LIMIT = 100
"""Swimmer and spider plots (one line per patient) are drawn for studies up to this size."""


def make_figures(results: Results, folder: Path) -> dict[str, dict[str, Path]]:
    """Every figure the results support, written to ``folder``; {name: {png, svg}}."""
    made: dict[str, dict[str, Path]] = {}

    def keep(name: str, figure: Figure | None) -> None:
        if figure is not None:
            made[file_stem(name)] = save(figure, folder, name)

    if results.disposition is not None:
        keep("trial_profile", consort_figure(results.disposition, list(results.populations)))
    hazard = {
        (c.endpoint, c.population): c
        for c in [*results.comparisons, *results.comparisons_other_populations]
    }
    for endpoint, label in ENDPOINT_NAMES.items():
        for summary in results.survival:
            if summary.endpoint != endpoint:
                continue
            population = summary.population.replace("_", "-")
            if summary.by_arm:
                note = None
                comparison = hazard.get((endpoint, summary.population))
                if comparison is not None and comparison.hazard_ratio is not None:
                    note = hazard_note(comparison)
                keep(
                    f"km_{endpoint}_{summary.population}_by_arm",
                    km_figure(
                        list(summary.by_arm.values()),
                        f"{label} by arm — {population} population",
                        label,
                        note=note,
                    ),
                )
            else:
                keep(
                    f"km_{endpoint}_{summary.population}",
                    km_figure(
                        [summary], f"{label} — {population} population", label, labels=[population]
                    ),
                )
    data = results.figures_data
    if data.waterfall:
        keep("waterfall", waterfall_figure(_frame(data.waterfall)))
    if data.swimmer and len(data.swimmer) <= PER_PATIENT_LIMIT:
        keep("swimmer", swimmer_figure(_frame(data.swimmer)))
    if data.spider and len(data.swimmer) <= PER_PATIENT_LIMIT:
        bor = {lane.subject_id: lane.bor for lane in data.swimmer}
        keep("spider", spider_figure(_frame(data.spider), bor))
    if data.biomarkers:
        keep(
            "biomarker_boxplots",
            biomarker_box_figure(_frame(data.biomarkers), results.biomarker_tests),
        )
    keep("km_by_biomarker", km_grid_figure(results.biomarker_survival))
    if results.forest is not None:
        keep("forest", forest_figure(results.forest))
    return made

"""Publication figures from Results: KM with numbers at risk, waterfall, swimmer, spider, biomarker
box plots, KM by biomarker, forest plot and the CONSORT trial profile.

Figures are matplotlib ``Figure`` objects made without pyplot, so importing this module neither
selects a backend nor changes global state; the house style is applied with ``rc_context`` inside
each figure function (and when saving).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from pydantic import BaseModel

from rtio.analyse.results import (
    Disposition,
    ForestRow,
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
P = ParamSpec("P")
R = TypeVar("R")


def styled(function: Callable[P, R]) -> Callable[P, R]:
    """Run a figure function with the house style."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper


@styled
def save(figure: Figure, folder: Path, name: str) -> dict[str, Path]:
    """Write PNG (200 dpi) and SVG; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"png": folder / f"{name}.png", "svg": folder / f"{name}.svg"}
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


def _step(ax, curve: SurvivalResult, colour: str, label: str) -> None:
    points = _frame(curve.curve)
    times = np.concatenate([[0.0], points["months"]])
    surv = np.concatenate([[1.0], points["survival"]])
    lower = np.concatenate([[1.0], points["lower"].astype(float).fillna(np.nan)])
    upper = np.concatenate([[1.0], points["upper"].astype(float).fillna(np.nan)])
    ax.step(times, surv, where="post", color=colour, lw=1.6, label=label)
    ax.fill_between(times, lower, upper, step="post", color=colour, alpha=0.15, lw=0)
    censored = points[points["n_censor"] > 0]
    ax.plot(censored["months"], censored["survival"], "|", color=colour, ms=7, mew=1.2)


def _at_risk(curve: SurvivalResult, ticks: np.ndarray) -> list[int]:
    points = _frame(curve.curve)
    counts = []
    for t in ticks:
        later = points[points["months"] >= t]
        counts.append(int(later["n_risk"].iloc[0]) if len(later) else 0)
    return counts


@styled
def km_figure(
    curves: list[SurvivalResult],
    title: str,
    ylabel: str,
    labels: list[str] | None = None,
    note: str | None = None,
) -> Figure:
    """Kaplan–Meier curves with 95 % CI bands, censoring ticks, medians and a numbers-at-risk table."""
    labels = labels or [c.group or c.population for c in curves]
    figure, (ax, table) = _new(
        (6.4, 4.8), 2, 1, gridspec_kw={"height_ratios": [5, 0.5 + 0.35 * len(curves)]}
    )
    horizon = max(max((p.months for p in c.curve), default=1) for c in curves)
    step = 6 if horizon > 18 else 3
    ticks = np.arange(0, np.ceil(horizon / step) * step + 1e-9, step)
    for i, curve in enumerate(curves):
        median = curve.median.value
        text = "NR" if median is None else f"{median:.1f}"
        _step(
            ax,
            curve,
            CURVE_COLOURS[i % len(CURVE_COLOURS)],
            f"{labels[i]} (n = {curve.n}; median {text} mo)",
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, ticks[-1] if len(ticks) > 1 else horizon)
    ax.set_xticks(ticks)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontweight="bold")
    ax.axhline(0.5, color="#bbbbbb", lw=0.6, ls=":")
    ax.legend(frameon=False, loc="upper right", fontsize=8)
    if note:
        ax.text(0.02, 0.04, note, transform=ax.transAxes, fontsize=8)
    table.axis("off")
    table.set_xlim(ax.get_xlim())
    table.text(ax.get_xlim()[0], 1.0, "Number at risk", fontsize=8, fontweight="bold", va="bottom")
    for row, curve in enumerate(curves):
        y = 0.55 - row * 0.4
        for t, n in zip(ticks, _at_risk(curve, ticks), strict=True):
            table.text(
                t,
                y,
                str(n),
                ha="center",
                va="center",
                fontsize=8,
                color=CURVE_COLOURS[row % len(CURVE_COLOURS)],
            )
    ax.set_xlabel("Months")
    figure.tight_layout()
    return figure


@styled
def waterfall_figure(data: pd.DataFrame) -> Figure:
    """Best % change of the target sum per patient, coloured by BOR, with −30 % and +20 % lines."""
    data = data.sort_values("best_pct_from_baseline", ascending=False)
    figure, ax = _new((7, 3.6))
    colours = [BOR_COLOURS.get(b, "#999999") for b in data["bor"].fillna("NE")]
    ax.bar(np.arange(len(data)), data["best_pct_from_baseline"], color=colours, width=0.8)
    ax.axhline(20, color="#d6604d", ls="--", lw=0.9)
    ax.axhline(-30, color="#1b7837", ls="--", lw=0.9)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks([])
    ax.set_ylabel("Best change from baseline (%)")
    ax.set_title(
        f"Best percentage change in target lesions (n = {len(data)})", loc="left", fontweight="bold"
    )
    present = [b for b in BOR_COLOURS if b in set(data["bor"].fillna("NE"))]
    handles = [Rectangle((0, 0), 1, 1, color=BOR_COLOURS[b]) for b in present]
    ax.legend(handles, present, frameon=False, ncol=len(present), loc="lower left", fontsize=8)
    ax.set_ylim(
        min(-100, data["best_pct_from_baseline"].min() - 5),
        max(60, data["best_pct_from_baseline"].max() + 10),
    )
    figure.tight_layout()
    return figure


@styled
def swimmer_figure(data: pd.DataFrame) -> Figure:
    """Per patient: time on study, response onset, progression, death or ongoing follow-up."""
    data = data.sort_values("os_months").reset_index(drop=True)
    figure, ax = _new((6.4, max(3.0, 0.16 * len(data) + 1)))
    y = np.arange(len(data))
    colours = [BOR_COLOURS.get(b, "#999999") for b in data["bor"]]
    ax.barh(y, data["os_months"], color=colours, height=0.7)
    response = data["response_months"].astype(float)
    ax.plot(response, y, "^", color="black", ms=4, label="response onset")
    pd_months = data["pd_months"].astype(float)
    ax.plot(pd_months, y, "x", color="#b2182b", ms=4, label="progression")
    dead = data["dead"].astype(bool)
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
    for subject, part in data.groupby("subject_id"):
        ax.plot(
            part["month"],
            part["pct_from_baseline"],
            color=BOR_COLOURS.get(bor.get(subject, "NE"), "#999999"),
            lw=0.9,
            alpha=0.85,
        )
    ax.axhline(20, color="#d6604d", ls="--", lw=0.8)
    ax.axhline(-30, color="#1b7837", ls="--", lw=0.8)
    ax.set_xlabel("Months from start of treatment")
    ax.set_ylabel("Change in target sum (%)")
    ax.set_title("Target lesion trajectories", loc="left", fontweight="bold")
    figure.tight_layout()
    return figure


@styled
def biomarker_box_figure(data: pd.DataFrame, tests: list) -> Figure | None:
    """Box plots of each biomarker (baseline and on-treatment) by response (PR/CR vs SD)."""
    data = data[data["response"].isin(["PR/CR", "SD"])]
    keys = [(t.biomarker, t.timepoint, t.p_value) for t in tests]
    if not keys:
        return None
    columns = 4
    lines = int(np.ceil(len(keys) / columns))
    figure, axes = _new((7.2, 1.9 * lines + 0.4), lines, columns, squeeze=False)
    for ax, (name, timepoint, p) in zip(axes.flat, keys, strict=False):
        part = data[(data["name"] == name) & (data["timepoint"] == timepoint)]
        groups = [part.loc[part["response"] == g, "value"].to_numpy() for g in ("PR/CR", "SD")]
        ax.boxplot(groups, whis=(0, 100), widths=0.55, medianprops={"color": "black"})
        for i, values in enumerate(groups, start=1):
            ax.plot(
                np.full(values.size, i) + np.linspace(-0.12, 0.12, values.size),
                values,
                ".",
                ms=3,
                color=CURVE_COLOURS[i - 1],
            )
        ax.set_xticks([1, 2], ["PR/CR", "SD"])
        ax.set_title(f"{name} ({timepoint.replace('_', '-')})\np = {p:.3g}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(keys) :]:
        ax.axis("off")
    figure.suptitle(
        "Biomarkers by response (two-sided Mann–Whitney)", x=0.01, ha="left", fontweight="bold"
    )
    figure.tight_layout()
    return figure


@styled
def km_grid_figure(comparisons: list[GroupComparison], limit: int = 8) -> Figure | None:
    """Small multiples: KM by biomarker high / low, the comparisons with the smallest p first."""
    chosen = sorted(comparisons, key=lambda c: c.logrank_p)[:limit]
    if not chosen:
        return None
    columns = 4
    lines = int(np.ceil(len(chosen) / columns))
    figure, axes = _new((7.6, 2.1 * lines + 0.4), lines, columns, squeeze=False)
    for ax, comparison in zip(axes.flat, chosen, strict=False):
        for i, curve in enumerate(sorted(comparison.curves, key=lambda c: c.group or "")):
            _step(ax, curve, CURVE_COLOURS[i], f"{curve.group} ({curve.n})")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{comparison.title}\nlog-rank p = {comparison.logrank_p:.3g}", fontsize=7)
        ax.legend(frameon=False, fontsize=6, loc="lower left")
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(chosen) :]:
        ax.axis("off")
    figure.suptitle(
        "Survival by biomarker level (30th-percentile split)", x=0.01, ha="left", fontweight="bold"
    )
    figure.tight_layout()
    return figure


@styled
def forest_figure(rows: list[ForestRow], title: str) -> Figure:
    """Hazard ratios with 95 % CIs per subgroup, on a log scale."""
    shown = [r for r in rows if r.hr is not None]
    figure, ax = _new((6.4, 0.32 * len(shown) + 1.2))
    y = np.arange(len(shown))[::-1]
    for yi, row in zip(y, shown, strict=True):
        ax.plot([row.lower, row.upper], [yi, yi], color="black", lw=1)
        ax.plot(row.hr, yi, "s", color=CURVE_COLOURS[0], ms=5)
    ax.axvline(1, color="#888888", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(y, [f"{r.subgroup} {r.level}".strip() + f" (n = {r.n})" for r in shown])
    ax.set_xlabel("Hazard ratio (95 % CI)")
    ax.set_title(title, loc="left", fontweight="bold")
    figure.tight_layout()
    return figure


@styled
def consort_figure(disposition: Disposition) -> Figure:
    """Trial profile (CONSORT flow) from the disposition numbers."""
    figure, ax = _new((6.4, 5.2))
    ax.axis("off")
    box = {"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "black", "lw": 0.8}
    side = {"boxstyle": "round,pad=0.4", "facecolor": "#f4f4f4", "edgecolor": "#666666", "lw": 0.6}

    def reasons(counts: dict) -> str:
        return "\n".join(f"  {k}: {v}" for k, v in counts.items())

    steps = [
        (0.93, f"Assessed for eligibility (n = {disposition.screened})"),
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
    ax.text(
        0.66,
        0.805,
        f"Excluded (n = {disposition.excluded})\n" + reasons(disposition.excluded_by_reason),
        ha="left",
        va="center",
        bbox=side,
        fontsize=7,
    )
    ax.text(
        0.66,
        0.555,
        f"Discontinued before RT (n = {disposition.discontinued_before_rt})\n"
        + reasons(disposition.discontinued_before_rt_by_reason),
        ha="left",
        va="center",
        bbox=side,
        fontsize=7,
    )
    ax.set_title("Trial profile", loc="left", fontweight="bold")
    return figure


def make_figures(results: Results, folder: Path) -> dict[str, dict[str, Path]]:
    """Every figure the results support, written to ``folder``; {name: {png, svg}}."""
    made: dict[str, dict[str, Path]] = {}
    for endpoint, label in (("PFS", "Progression-free survival"), ("OS", "Overall survival")):
        for population in results.populations:
            curves = [
                s
                for s in results.survival
                if s.endpoint == endpoint and s.population == population and s.group is None
            ]
            if curves:
                figure = km_figure(
                    curves,
                    f"{label} — {population.replace('_', '-')} population",
                    label,
                    labels=[population.replace("_", "-")],
                )
                made[f"km_{endpoint.lower()}_{population.lower()}"] = save(
                    figure, folder, f"km_{endpoint.lower()}_{population.lower()}"
                )
    for comparison in results.comparisons:
        figure = km_figure(
            comparison.curves,
            comparison.title,
            comparison.endpoint,
            note=f"log-rank p = {comparison.logrank_p:.3g}",
        )
        made[f"km_{comparison.endpoint.lower()}_by_arm"] = save(
            figure, folder, f"km_{comparison.endpoint.lower()}_by_arm"
        )
    data = results.figures_data
    if data.waterfall:
        made["waterfall"] = save(waterfall_figure(_frame(data.waterfall)), folder, "waterfall")
    if data.swimmer:
        made["swimmer"] = save(swimmer_figure(_frame(data.swimmer)), folder, "swimmer")
    if data.spider:
        bor = {lane.subject_id: lane.bor for lane in data.swimmer}
        made["spider"] = save(spider_figure(_frame(data.spider), bor), folder, "spider")
    if data.biomarkers:
        figure = biomarker_box_figure(_frame(data.biomarkers), results.biomarker_tests)
        if figure is not None:
            made["biomarker_boxplots"] = save(figure, folder, "biomarker_boxplots")
    grid = km_grid_figure(results.biomarker_survival)
    if grid is not None:
        made["km_by_biomarker"] = save(grid, folder, "km_by_biomarker")
    if results.forest:
        made["forest"] = save(
            forest_figure(results.forest, "Hazard ratios by subgroup"), folder, "forest"
        )
    if results.disposition:
        made["trial_profile"] = save(consort_figure(results.disposition), folder, "trial_profile")
    return made

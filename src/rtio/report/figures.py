"""Publication figures from Results (matplotlib, Agg): KM with numbers at risk, waterfall, swimmer,
spider, biomarker box plots, KM by biomarker, forest plot and the CONSORT trial profile."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rtio.analyse.results import ForestRow, GroupComparison, Results, SurvivalResult

BOR_COLOURS = {
    "CR": "#1b7837",
    "PR": "#5aae61",
    "SD": "#4393c3",
    "NON-CR/NON-PD": "#92c5de",
    "PD": "#d6604d",
    "NE": "#999999",
}
CURVE_COLOURS = ["#2166ac", "#b2182b", "#1b7837", "#762a83"]
plt.rcParams.update(
    {"font.size": 9, "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "rtio"}
)


def save(figure: Figure, folder: Path, name: str) -> dict[str, Path]:
    """Write PNG (200 dpi) and SVG; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"png": folder / f"{name}.png", "svg": folder / f"{name}.svg"}
    figure.savefig(paths["png"], dpi=200, bbox_inches="tight")
    figure.savefig(paths["svg"], bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return paths


def _step(ax, curve: SurvivalResult, colour: str, label: str) -> None:
    points = pd.DataFrame([p.model_dump() for p in curve.curve])
    times = np.concatenate([[0.0], points["months"]])
    surv = np.concatenate([[1.0], points["survival"]])
    lower = np.concatenate([[1.0], points["lower"].astype(float).fillna(np.nan)])
    upper = np.concatenate([[1.0], points["upper"].astype(float).fillna(np.nan)])
    ax.step(times, surv, where="post", color=colour, lw=1.6, label=label)
    ax.fill_between(times, lower, upper, step="post", color=colour, alpha=0.15, lw=0)
    censored = points[points["n_censor"] > 0]
    ax.plot(censored["months"], censored["survival"], "|", color=colour, ms=7, mew=1.2)


def _at_risk(curve: SurvivalResult, ticks: np.ndarray) -> list[int]:
    points = pd.DataFrame([p.model_dump() for p in curve.curve])
    counts = []
    for t in ticks:
        later = points[points["months"] >= t]
        counts.append(int(later["n_risk"].iloc[0]) if len(later) else 0)
    return counts


def km_figure(
    curves: list[SurvivalResult],
    title: str,
    ylabel: str,
    labels: list[str] | None = None,
    note: str | None = None,
) -> Figure:
    """Kaplan–Meier curves with 95 % CI bands, censoring ticks, medians and a numbers-at-risk table."""
    labels = labels or [c.group or c.population for c in curves]
    figure, (ax, table) = plt.subplots(
        2, 1, figsize=(6.4, 4.8), gridspec_kw={"height_ratios": [5, 0.5 + 0.35 * len(curves)]}
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


def waterfall_figure(rows: list[dict]) -> Figure:
    """Best % change of the target sum per patient, coloured by BOR, with −30 % and +20 % lines."""
    data = pd.DataFrame(rows).sort_values("best_pct_from_baseline", ascending=False)
    figure, ax = plt.subplots(figsize=(7, 3.6))
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
    handles = [plt.Rectangle((0, 0), 1, 1, color=BOR_COLOURS[b]) for b in present]
    ax.legend(handles, present, frameon=False, ncol=len(present), loc="lower left", fontsize=8)
    ax.set_ylim(
        min(-100, data["best_pct_from_baseline"].min() - 5),
        max(60, data["best_pct_from_baseline"].max() + 10),
    )
    figure.tight_layout()
    return figure


def swimmer_figure(rows: list[dict]) -> Figure:
    """Per patient: time on study, response onset, progression, death or ongoing follow-up."""
    data = pd.DataFrame(rows).sort_values("os_months").reset_index(drop=True)
    figure, ax = plt.subplots(figsize=(6.4, max(3.0, 0.16 * len(data) + 1)))
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
    patches = [plt.Rectangle((0, 0), 1, 1, color=BOR_COLOURS[b]) for b in present]
    ax.legend(patches, [f"BOR {b}" for b in present], frameon=False, fontsize=7, loc="center right")
    figure.tight_layout()
    return figure


def spider_figure(rows: list[dict], bor: dict[str, str]) -> Figure:
    """% change of the target sum over time per patient, coloured by BOR."""
    data = pd.DataFrame(rows)
    figure, ax = plt.subplots(figsize=(6.4, 3.8))
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


def biomarker_box_figure(rows: list[dict], tests: list) -> Figure | None:
    """Box plots of each biomarker (baseline and on-treatment) by response (PR/CR vs SD)."""
    data = pd.DataFrame(rows)
    data = data[data["response"].isin(["PR/CR", "SD"])]
    keys = [(t.biomarker, t.timepoint, t.p_value) for t in tests]
    if not keys:
        return None
    columns = 4
    lines = int(np.ceil(len(keys) / columns))
    figure, axes = plt.subplots(lines, columns, figsize=(7.2, 1.9 * lines + 0.4), squeeze=False)
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


def km_grid_figure(comparisons: list[GroupComparison], limit: int = 8) -> Figure | None:
    """Small multiples: KM by biomarker high / low, the comparisons with the smallest p first."""
    chosen = sorted(comparisons, key=lambda c: c.logrank_p)[:limit]
    if not chosen:
        return None
    columns = 4
    lines = int(np.ceil(len(chosen) / columns))
    figure, axes = plt.subplots(lines, columns, figsize=(7.6, 2.1 * lines + 0.4), squeeze=False)
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


def forest_figure(rows: list[ForestRow], title: str) -> Figure:
    """Hazard ratios with 95 % CIs per subgroup, on a log scale."""
    shown = [r for r in rows if r.hr is not None]
    figure, ax = plt.subplots(figsize=(6.4, 0.32 * len(shown) + 1.2))
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


def consort_figure(disposition: dict) -> Figure:
    """Trial profile (CONSORT flow) from the disposition numbers."""
    figure, ax = plt.subplots(figsize=(6.4, 5.2))
    ax.axis("off")
    box = {"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "black", "lw": 0.8}
    side = {"boxstyle": "round,pad=0.4", "facecolor": "#f4f4f4", "edgecolor": "#666666", "lw": 0.6}

    def reasons(counts: dict) -> str:
        return "\n".join(f"  {k}: {v}" for k, v in counts.items())

    steps = [
        (0.93, f"Assessed for eligibility (n = {disposition.get('screened', 0)})"),
        (0.68, f"Enrolled (n = {disposition.get('enrolled', 0)})"),
        (0.43, f"Started radiotherapy (n = {disposition.get('started_rt', 0)})"),
        (0.18, f"Completed radiotherapy of all lesions (n = {disposition.get('completed_rt', 0)})"),
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
        f"Excluded (n = {disposition.get('excluded', 0)})\n"
        + reasons(disposition.get("excluded_by_reason", {})),
        ha="left",
        va="center",
        bbox=side,
        fontsize=7,
    )
    ax.text(
        0.66,
        0.555,
        f"Discontinued before RT (n = {disposition.get('discontinued_before_rt', 0)})\n"
        + reasons(disposition.get("discontinued_before_rt_by_reason", {})),
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
    if data.get("waterfall"):
        made["waterfall"] = save(waterfall_figure(data["waterfall"]), folder, "waterfall")
    if data.get("swimmer"):
        made["swimmer"] = save(swimmer_figure(data["swimmer"]), folder, "swimmer")
    if data.get("spider"):
        bor = {r["subject_id"]: r["bor"] for r in data.get("swimmer", [])}
        made["spider"] = save(spider_figure(data["spider"], bor), folder, "spider")
    if data.get("biomarkers"):
        figure = biomarker_box_figure(data["biomarkers"], results.biomarker_tests)
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

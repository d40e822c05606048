"""What a report says, in order, independent of its format: headings, paragraphs, figures, tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rtio.analyse.results import Results
from rtio.report.figures import PER_PATIENT_LIMIT
from rtio.report.tables import Table, all_tables

FIGURE_CAPTIONS = {
    "trial_profile": "Trial profile (CONSORT flow) from the screening log and disposition; reasons "
    "for stopping from the events table, else the patient's progression or death.",
    "waterfall": "Best percentage change in target lesions from baseline, coloured by best overall "
    "response (one panel per arm in a randomized study); dashed lines at +20% and −30%.",
    "swimmer": "Onset of response, duration and outcome per patient.",
    "spider": "Change in the sum of target lesions over time per patient.",
    "biomarker_boxplots": "Biomarker levels by response, every comparison tested; box: median and "
    "quartiles, whiskers: minimum and maximum.",
    "km_by_biomarker": "Survival by high / low biomarker level (30th-percentile split); the panels "
    "shown are named in the figure title and every comparison is in the biomarker survival table.",
}
LEADING_TABLES = ("primary", "interim")
"""Tables printed with the primary endpoint's statement, before the methods and figures."""
ENDPOINTS = {"pfs": "Progression-free survival", "os": "Overall survival"}


@dataclass
class Block:
    kind: str  # heading, paragraph, figure, table
    text: str = ""
    figure: Path | None = None
    table: Table | None = None


def caption(name: str, results: Results) -> str:
    """The caption of a figure, from what it shows."""
    if name == "forest" and results.forest is not None:
        f = results.forest
        missing = [
            f"{r.subgroup} {r.level}".strip() + f" ({r.hazard_ratio.not_estimable})"
            for r in f.rows
            if r.hazard_ratio.value is None
        ]
        return (
            f"Hazard ratios of {f.endpoint} for {f.group} vs {f.reference} (the reference arm) "
            f"overall and by subgroup, 95% CIs on a log scale; left of 1 favours {f.group}, right "
            f"favours {f.reference}."
            + (f" Not estimable: {'; '.join(missing)}." if missing else "")
        )
    if name in FIGURE_CAPTIONS:
        return FIGURE_CAPTIONS[name]
    if name.startswith("km_"):
        parts = name.split("_")
        endpoint = ENDPOINTS.get(parts[1], parts[1].upper())
        by_arm = parts[-2:] == ["by", "arm"]
        rest = (
            " ".join(parts[2:-2] if by_arm else parts[2:])
            .replace("itt", "ITT")
            .replace("efficacy evaluable", "efficacy-evaluable")
            .replace("per protocol", "per-protocol")
        )
        if by_arm and results.meta.design == "retrospective_cohort":
            return (
                f"{endpoint} by exposure group ({rest}), ever vs never exposed from the index date: "
                "this naive comparison credits the exposure with the time patients had to survive to "
                "receive it (immortal-time bias); read the landmark and time-varying analyses."
            )
        if by_arm:
            return (
                f"{endpoint} by arm ({rest}): Kaplan–Meier estimates with 95% CI bands; ticks mark "
                "censoring; numbers at risk per arm below."
            )
        return f"{endpoint} ({rest}): Kaplan–Meier estimate; the shaded band is the 95% CI; ticks mark censoring."
    return FIGURE_CAPTIONS.get(name, name)


def build_document(results: Results, figures: dict[str, dict[str, Path]]) -> list[Block]:
    """The report as an ordered list of blocks."""
    meta = results.meta
    blocks = [Block("heading", f"{meta.protocol_title}")]
    lead = f"Protocol {meta.protocol_id} ({meta.design.replace('_', ' ')}); data cut-off {meta.data_cutoff or 'not set'}."
    if meta.options:
        lead += (
            " Analysis options: "
            + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in meta.options.items())
            + "."
        )
    if meta.synthetic:
        lead += " SYNTHETIC DATA: this study was simulated by rtio and describes no real patients."
    blocks.append(Block("paragraph", lead))
    tables = all_tables(results)
    leading = [t for t in tables if t.key in LEADING_TABLES]
    primary = results.primary_endpoint
    if primary is not None:
        blocks.append(Block("heading", "Primary endpoint"))
        blocks.append(Block("paragraph", primary.statement))
    if results.interim is not None:
        blocks.append(Block("paragraph", results.interim.statement))
    blocks += [Block("table", table=table) for table in leading]
    if results.warnings:
        blocks.append(Block("heading", "Warnings"))
        for warning in results.warnings:
            blocks.append(Block("paragraph", warning))
    blocks.append(Block("heading", "Methods"))
    for paragraph in results.methods:
        blocks.append(Block("paragraph", paragraph))
    for note in results.notes:
        blocks.append(Block("paragraph", note))
    for section, reason in results.not_available.items():
        blocks.append(Block("paragraph", f"Not available — {section}: {reason}."))
    if len(results.figures_data.swimmer) > PER_PATIENT_LIMIT:
        blocks.append(
            Block(
                "paragraph",
                f"Swimmer and spider plots are drawn for studies of up to {PER_PATIENT_LIMIT} "
                f"patients (this study: {len(results.figures_data.swimmer)}); their data are in "
                "results.json.",
            )
        )
    blocks.append(Block("heading", "Figures"))
    for name, paths in figures.items():
        blocks.append(Block("figure", caption(name, results), figure=paths["png"]))
    blocks.append(Block("heading", "Tables"))
    for table in tables:
        if table.key not in LEADING_TABLES:
            blocks.append(Block("table", table=table))
    blocks.append(Block("paragraph", footer(results)))
    return blocks


def footer(results: Results) -> str:
    meta = results.meta
    return (
        f"Generated by rtio {meta.rtio_version} on {meta.generated} from {meta.study}; input SHA-256 {meta.input_sha256}. "
        f"{meta.months}."
    )

"""Reports of awkward studies complete: arm labels with TeX markup or 20,000 characters reach
matplotlib escaped and capped, a population id with "/" never becomes a path, infinite
percentages (baseline target sum 0) are counted instead of drawn, one arm means no comparison
(said, not raised)."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from rtio.analyse import analyse_study
from rtio.analyse.options import AnalysisOptions
from rtio.protocol.loader import _shipped_dir
from rtio.report import render_report
from rtio.report.figures import file_stem, safe_label, waterfall_figure
from rtio.simulate.protocols import write_protocol_study

LONG = "Immediate " + "locoregional " * 1700


@pytest.fixture(scope="module")
def npc(tmp_path_factory) -> Path:
    return write_protocol_study(tmp_path_factory.mktemp("npc") / "study", "NCT07235319", 60, 5)


def _with_protocol(source: Path, target: Path, edit) -> Path:
    folder = shutil.copytree(source, target)
    protocol = yaml.safe_load((_shipped_dir() / "NCT07235319.yaml").read_text(encoding="utf-8"))
    names = edit(protocol)
    (folder / "protocol.yaml").write_text(
        yaml.safe_dump(protocol, allow_unicode=True), encoding="utf-8"
    )
    settings = yaml.safe_load((folder / "study.yaml").read_text())
    settings["protocol"] = "protocol.yaml"
    (folder / "study.yaml").write_text(yaml.safe_dump(settings))
    if names:
        subjects = pd.read_csv(folder / "subjects.csv", dtype=str, keep_default_na=False)
        subjects["arm"] = subjects["arm"].map(names)
        subjects.to_csv(folder / "subjects.csv", index=False)
    return folder


def test_safe_label_escapes_tex_and_caps_length() -> None:
    assert safe_label("$\\alpha$ arm") == "\\$\\alpha\\$ arm"
    assert len(safe_label("x" * 20000)) == 60
    assert safe_label("a\nb") == "a b"
    assert file_stem("km", "PFS", "per/protocol/../x") == "km_pfs_per_protocol_x"


def test_tex_and_very_long_arm_labels_render(npc, tmp_path: Path) -> None:
    def edit(protocol):
        old = [arm["label"] for arm in protocol["arms"]]
        protocol["arms"][0]["label"] = LONG
        protocol["arms"][1]["label"] = "$\\mathcal{S}$alvage $x^2$ RT"
        return dict(zip(old, [LONG, "$\\mathcal{S}$alvage $x^2$ RT"], strict=True))

    folder = _with_protocol(npc, tmp_path / "labels", edit)
    results = analyse_study(folder, AnalysisOptions(stratify=("stratum",)))
    assert results.comparisons[0].hazard_ratio.reference == LONG
    paths = render_report(results, tmp_path / "report", ["html", "pdf"])
    assert (tmp_path / "report" / "report.pdf").read_bytes()[:4] == b"%PDF"
    assert any(p.name == "forest.png" for p in paths)


def test_a_population_id_with_a_slash_never_becomes_a_path(npc, tmp_path: Path) -> None:
    def edit(protocol):
        protocol["populations"] = [
            {"id": "ITT", "name": "intent-to-treat", "requires": ["enrolled"]},
            {"id": "../../escape/me", "name": "odd", "requires": ["received_study_drug"]},
        ]
        return None

    folder = _with_protocol(npc, tmp_path / "slash", edit)
    out = tmp_path / "report"
    paths = render_report(analyse_study(folder), out, ["html"])
    figures = out / "figures"
    for path in paths:
        assert path.resolve().is_relative_to(out.resolve()), path
        if path.suffix in (".png", ".svg"):
            assert path.parent == figures and "/" not in path.name
    assert not (tmp_path / "escape").exists()


def test_infinite_percentages_are_counted_not_drawn() -> None:
    data = pd.DataFrame(
        {
            "subject_id": ["a", "b", "c"],
            "best_pct_from_baseline": [np.inf, -40.0, np.nan],
            "bor": ["SD", "PR", "NE"],
        }
    )
    figure = waterfall_figure(data)
    title = figure.axes[0].get_title(loc="left")
    assert "n = 1" in title and "2 not computable" in title


def test_one_arm_with_patients_says_why_there_is_no_comparison(npc, tmp_path: Path) -> None:
    folder = shutil.copytree(npc, tmp_path / "one_arm")
    subjects = pd.read_csv(folder / "subjects.csv", dtype=str, keep_default_na=False)
    subjects["arm"] = "Salvage locoregional radiotherapy"
    subjects.to_csv(folder / "subjects.csv", index=False)
    results = analyse_study(
        folder, AnalysisOptions(endpoint="PFS", alpha=0.025, sided=1, ni_margin=1.3)
    )
    assert results.comparisons == [] and results.forest is None
    assert any("comparisons need two" in w for w in results.warnings)
    assert results.primary_endpoint.verdict == "not_assessed"
    assert "comparisons need two" in results.primary_endpoint.reason
    render_report(results, tmp_path / "report", ["html"])

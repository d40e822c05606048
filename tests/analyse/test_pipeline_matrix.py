"""Every shipped protocol runs simulate → validate → derive → analyse → report without an
exception: the tiny studies (n = 1, 2, 3, 5, where fits fail and populations are empty) in the
default run, seeds 1–20 at n = 33 and n = 300 in the slow run. The randomized protocol runs with
its silent plan values given on the command line (and an interim look)."""

import re
from pathlib import Path

import pytest

from rtio.analyse import analyse_study
from rtio.analyse.options import AnalysisOptions
from rtio.protocol import list_protocols
from rtio.report import render_report
from rtio.simulate.protocols import write_protocol_study

RANDOMIZED = AnalysisOptions(
    endpoint="PFS",
    alpha=0.025,
    sided=1,
    ni_margin=1.3,
    stratify=("stratum",),
    looks=2,
    spending="obf",
    target_events=40,
    look=1,
)


def run_pipeline(folder: Path, protocol: str, out: Path) -> None:
    """Validate (load_study refuses an invalid study), derive and analyse, then report."""
    options = RANDOMIZED if protocol == "NCT07235319" else AnalysisOptions()
    results = analyse_study(folder, options)
    paths = render_report(results, out, ["html"])
    assert any(p.suffix == ".html" for p in paths)
    html = re.sub(r"base64,[A-Za-z0-9+/=]+", "", (out / "report.html").read_text())
    for text in ("0.00 (0.00–inf)", ">nan", " nan", "(nan", "inf)"):
        assert text not in html, text


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("protocol", list_protocols())
def test_tiny_studies_never_crash(protocol: str, n: int, tmp_path: Path) -> None:
    folder = write_protocol_study(tmp_path / "study", protocol, n, 1)
    run_pipeline(folder, protocol, tmp_path / "report")


@pytest.mark.slow
@pytest.mark.parametrize("n", [33, 300])
@pytest.mark.parametrize("seed", range(1, 21))
@pytest.mark.parametrize("protocol", list_protocols())
def test_every_protocol_every_seed(protocol: str, seed: int, n: int, tmp_path: Path) -> None:
    folder = write_protocol_study(tmp_path / "study", protocol, n, seed)
    run_pipeline(folder, protocol, tmp_path / "report")

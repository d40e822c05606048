"""A randomized study's report reads cleanly: the hazard-ratio note of the KM-by-arm figure sits
under the axis (never across a curve), a median not reached is said in words, the forest plot's
two "favours" labels share one line under the axis label, meeting at HR = 1; competing first events
are given per arm and in total; the per-protocol note says how many ITT patients it leaves out and
why; exposure quartiles share the median's number format."""

import re
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from rtio.analyse import analyse_study
from rtio.report.figures import forest_figure, hazard_note, km_figure
from rtio.report.tables import _competing_first_events, deviations, exposure
from rtio.simulate.protocols import write_protocol_study


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    study = write_protocol_study(tmp_path_factory.mktemp("npc") / "study", "NCT07235319", 60, 6)
    return analyse_study(Path(study))


def _drawn(figure):
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas.get_renderer()


def _texts(figure):
    return [t for ax in figure.axes for t in ax.texts] + list(figure.texts)


def test_km_hazard_ratio_note_is_under_the_axis_and_above_the_numbers_at_risk(results):
    itt = next(s for s in results.survival if s.endpoint == "OS" and s.population == "ITT")
    comparison = next(c for c in results.comparisons if c.endpoint == "OS")
    note = hazard_note(comparison)
    figure = km_figure(list(itt.by_arm.values()), "OS by arm", "Overall survival", note=note)
    renderer = _drawn(figure)
    plot = figure.axes[0].get_window_extent(renderer)
    label = figure.axes[0].xaxis.label.get_window_extent(renderer)
    first_line = note.splitlines()[0]
    drawn = [t for t in _texts(figure) if t.get_text() == first_line]
    assert len(drawn) == 1
    box = drawn[0].get_window_extent(renderer)
    assert box.y1 < plot.y0 and box.y1 <= label.y0 + 0.5  # under the x-axis label, off the curves
    at_risk = next(t for t in _texts(figure) if t.get_text() == "Number at risk")
    assert at_risk.get_window_extent(renderer).y1 < box.y0


def test_km_legend_says_a_median_not_reached_in_words(results):
    os_curves = next(s for s in results.survival if s.endpoint == "OS" and s.population == "ITT")
    figure = km_figure(list(os_curves.by_arm.values()), "OS by arm", "Overall survival")
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    for curve, text in zip(os_curves.by_arm.values(), legend, strict=True):
        median = curve.median.value
        assert text.endswith(
            "median not reached)" if median is None else f"median {median:.1f} mo)"
        )
        assert "NR" not in text


def test_forest_favours_labels_share_one_line_under_the_axis_label(results):
    figure = forest_figure(results.forest)
    renderer = _drawn(figure)
    ax = figure.axes[0]
    favours = [t for t in ax.texts if "favours" in t.get_text()]
    assert [t.get_text() for t in favours] == [
        f"← favours {results.forest.group}",
        f"favours {results.forest.reference} →",
    ]
    left, right = (t.get_window_extent(renderer) for t in favours)
    assert left.y0 == pytest.approx(right.y0) and left.y1 == pytest.approx(right.y1)
    one = ax.transData.transform((1, 0))[0]
    assert left.x1 < one < right.x0  # each on its side of HR = 1, not overlapping
    label = ax.xaxis.label.get_window_extent(renderer)
    assert left.y1 < label.y0 and right.y1 < label.y0
    assert min(t.get_fontsize() for t in favours) >= 8


def test_competing_first_events_are_given_per_arm_and_in_total(results):
    risks = results.rt_lesions.competing_risks
    (table,) = _competing_first_events(risks)
    assert table.header[:3] == ["First event", "Group", "Events"]
    arms = list(risks.by_arm)
    assert arms == [a.label for a in results.arms]
    for i, cause in enumerate(risks.incidence):
        block = table.rows[i * (len(arms) + 1) : (i + 1) * (len(arms) + 1)]
        assert block[0][0] == cause
        assert [row[1] for row in block] == [
            *(f"{arm} (n = {risks.by_arm[arm].n})" for arm in arms),
            f"Total (n = {risks.n})",
        ]
        for row, counts in zip(block, [*risks.by_arm.values(), risks], strict=True):
            assert row[2] == str(counts.events.get(cause, 0))
            assert row[3:6] == [f"{100 * v:.1f}%" for v in counts.incidence[cause]]
    assert sum(risks.by_arm[arm].n for arm in arms) == risks.n


def test_per_protocol_note_counts_the_itt_patients_left_out(results):
    itt, pp = results.populations["ITT"], results.populations["per_protocol"]
    not_received = sum(a.allocated - a.received_allocated for a in results.disposition.arms)
    note = deviations(results).note
    assert f"Per-protocol population: {pp} of {itt} ITT patients ({itt - pp} left out" in note
    if not_received:
        assert f"{not_received} did not receive the allocated intervention" in note
    assert "deviating patients left out" not in note


def test_exposure_cycles_median_and_quartiles_share_one_number_format(results):
    numbers = [
        n
        for row in exposure(results).rows
        for n in re.findall(r"\d+(?:\.\d+)?", row[3].split(";")[0])
    ]
    assert len(numbers) == 3 * len(exposure(results).rows)
    assert len({"." in n for n in numbers}) == 1, numbers

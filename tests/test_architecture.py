"""docs/architecture.md's dependency table is the one rtio's imports give, and the imports keep
the layering of docs/architecture.md ("Layers"): no cycles, nothing imports upward, nothing
imports ``cli``, only ``cli`` imports ``report``, ``stats`` imports no other rtio package, and
every unit declares its public names in ``__all__``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rtio._architecture import (
    BEGIN,
    END,
    LAYERS,
    SOURCE,
    ImportGraph,
    dependency_table,
    import_graph,
    layer_of,
    render,
    upward_imports,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"

KNOWN_UPWARD = {("analyse", "pipeline")}
"""``analyse.study.analyse_study`` hands a study in subject blocks to ``rtio.pipeline``, which
runs the plan from ``analyse``: the one cycle, named in docs/architecture.md. Remove it from here
once ``analyse`` no longer imports ``pipeline``."""


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return import_graph()


def test_committed_table_is_generated_from_the_imports(graph: ImportGraph) -> None:
    document = DOC.read_text(encoding="utf-8")
    assert render(document, dependency_table(graph)) == document, (
        "docs/architecture.md is out of date: run `python -m rtio._architecture docs/architecture.md`"
    )


def test_every_unit_has_a_layer(graph: ImportGraph) -> None:
    unplaced = sorted(u for u in graph.units if layer_of(u) is None)
    assert not unplaced, f"add these units to rtio._architecture.LAYERS: {unplaced}"
    listed = set().union(*LAYERS)
    assert listed == set(graph.units), (
        f"LAYERS names units that do not exist: {listed - set(graph.units)}"
    )


def test_nothing_imports_upward(graph: ImportGraph) -> None:
    upward = upward_imports(graph)
    unexpected = {edge: places for edge, places in upward.items() if edge not in KNOWN_UPWARD}
    assert not unexpected, f"imports of a unit from its own or a higher layer: {unexpected}"
    assert set(upward) == KNOWN_UPWARD, (
        f"{sorted(KNOWN_UPWARD - set(upward))} no longer import upward: remove them from KNOWN_UPWARD"
    )


def test_the_only_cycle_is_the_known_one(graph: ImportGraph) -> None:
    assert graph.cycles() == [sorted(edge) for edge in sorted(KNOWN_UPWARD)]


def test_command_line_and_report_are_at_the_top(graph: ImportGraph) -> None:
    assert graph.importers("cli") == set()
    assert graph.importers("report") <= {"cli"}


def test_stats_imports_no_other_rtio_package(graph: ImportGraph) -> None:
    packages = {u for u in graph.depends_on("stats") if (SOURCE / u).is_dir()}
    assert packages == set(), graph.rtio_imports.get("stats")


def test_every_unit_declares_all(graph: ImportGraph) -> None:
    missing = []
    for unit in sorted(graph.units):
        path = SOURCE / unit / "__init__.py" if (SOURCE / unit).is_dir() else SOURCE / f"{unit}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        if "__all__" not in names:
            missing.append(unit)
    assert not missing, f"units without __all__: {missing}"


def test_the_graph_sees_every_kind_of_import(tmp_path: Path) -> None:
    """A module-level, a relative, a function-level and a TYPE_CHECKING import each count; an
    import inside a unit does not; the first docstring paragraph is what the unit owns."""
    package = tmp_path / "rtio"
    (package / "low").mkdir(parents=True)
    (package / "high").mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text('"""Shared names.\n\nMore."""\nimport numpy\n')
    (package / "low" / "__init__.py").write_text('"""Low things."""\nfrom rtio.base import x\n')
    (package / "low" / "part.py").write_text("from . import other\nimport json\n")
    (package / "high" / "__init__.py").write_text(
        '"""High things."""\n'
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from ..base import y\n"
        "def f():\n"
        "    import rtio.low.part\n"
    )
    g = import_graph(package)
    assert g.units == {"base": "Shared names.", "low": "Low things.", "high": "High things."}
    assert g.rtio_imports == {
        "low": {"base": ["rtio/low/__init__.py:2"]},
        "high": {"base": ["rtio/high/__init__.py:4"], "low": ["rtio/high/__init__.py:6"]},
    }
    assert g.third_party == {"base": {"numpy"}}
    assert g.cycles() == []
    assert g.importers("base") == {"low", "high"}


def test_render_needs_the_markers() -> None:
    with pytest.raises(ValueError, match="dependency table"):
        render("no markers here", "| table |")
    assert render(f"a\n{BEGIN}\nold\n{END}\nb", "new") == f"a\n{BEGIN}\nnew\n{END}\nb"

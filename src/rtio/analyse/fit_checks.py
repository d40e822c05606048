"""Warnings for Cox fits that R survival's checks reject (``coxph.fit``: iteration limit, monotone
likelihood / infinite coefficient, collinear columns): every such hazard ratio in Results is
``None`` with its reason, and the analysis also says so once in ``Results.warnings``, named by
where it is (the analysis' title, exposure, subgroup or model term)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from rtio.analyse.results import Effect, ForestRow, Results
from rtio.stats.cox import CoxFitCheck


def _name(node: BaseModel) -> str | None:
    """What a section of Results is called, from its own fields."""
    if isinstance(node, ForestRow):
        return f"{node.subgroup} {node.level}".strip()
    for field in ("title", "exposure", "term"):
        value = getattr(node, field, None)
        if isinstance(value, str):
            return value
    return None


def _effects(node: object, where: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Effect]]:
    """Every Effect anywhere under ``node`` (models, lists, mappings) in field order, with the
    names of the sections above it."""
    if isinstance(node, Effect):
        yield where, node
    elif isinstance(node, BaseModel):
        name = _name(node)
        inner = (*where, name) if name else where
        for field in type(node).model_fields:
            yield from _effects(getattr(node, field), inner)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _effects(item, where)
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _effects(item, (*where, str(key)))


def fit_warnings(results: Results) -> list[str]:
    """One warning per hazard ratio whose Cox fit failed R's checks (named by where it is, its
    groups and method), each said once."""
    said = (
        ("; ".join(dict.fromkeys(where)) + ": " if where else "")
        + f"HR {effect.group} vs {effect.reference} not estimable ({effect.not_estimable}); "
        f"{effect.method}"
        for where, effect in _effects(results)
        if effect.not_estimable
        and any(check.value in effect.not_estimable for check in CoxFitCheck)
    )
    return list(dict.fromkeys(said))

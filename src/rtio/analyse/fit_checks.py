"""Warnings for Cox fits that R survival's checks reject (``coxph.fit``: iteration limit, monotone
likelihood / infinite coefficient, collinear columns): every such hazard ratio in Results is
``None`` with its reason, and the analysis also says so once in ``Results.warnings``, named by
where it is (the analysis' title, exposure, subgroup or model term)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any, get_args

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


def _mentions(annotation: object, holders: frozenset[type]) -> bool:
    """Whether a field type names one of ``holders`` (directly or inside list / dict / union)."""
    if annotation is Any or annotation is object:
        return True
    if isinstance(annotation, type):
        return annotation in holders
    return any(_mentions(arg, holders) for arg in get_args(annotation))


def _models(annotation: object, found: set[type[BaseModel]]) -> None:
    """Every result model reachable from a field type (each once: models may nest themselves)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                _models(field.annotation, found)
    else:
        for arg in get_args(annotation):
            _models(arg, found)


@cache
def _effect_holders() -> frozenset[type]:
    """The result models that can hold an Effect somewhere below them, found by fixed point over
    the Results types: per-patient figure data (a million points in a big study) is never
    walked."""
    found: set[type[BaseModel]] = set()
    _models(Results, found)
    holders: frozenset[type] = frozenset({Effect})
    grown = True
    while grown:
        more = {
            model
            for model in found - holders
            if any(_mentions(f.annotation, holders) for f in model.model_fields.values())
        }
        grown = bool(more)
        holders |= more
    return holders


def _effects(node: object, where: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Effect]]:
    """Every Effect anywhere under ``node`` (models, lists, mappings) in field order, with the
    names of the sections above it."""
    if isinstance(node, Effect):
        yield where, node
    elif isinstance(node, BaseModel):
        name = _name(node)
        inner = (*where, name) if name else where
        for field, info in type(node).model_fields.items():
            if _mentions(info.annotation, _effect_holders()):
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

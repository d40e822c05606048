"""Screening forms from the protocol's criteria, evaluated by :func:`rtio.eligibility.screen`.

The facts a stage needs are read off the rules (``fact`` / ``event`` leaves): a number with its
unit (and its ULN when compared as ``x ULN``), a value from a set, a yes/no fact, an event with
its date. Each manual criterion (no rule, or ``manual: true``) becomes one yes/no question that
the screener answers; it is handed to the engine as the rule ``{fact: manual_<id>, is: true}``,
so the engine decides every verdict and writes every reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django import forms

from rtio.eligibility import screen
from rtio.eligibility.rules import leaves

STAGES = ("registration", "randomization")


@dataclass
class Fact:
    """One fact a screening form asks for."""

    name: str
    kind: str  # number | choice | bool | event | date
    unit: str | None = None
    uln: bool = False
    dated: bool = False
    choices: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)


def stage_of(criterion: Any) -> str:
    return getattr(criterion, "stage", None) or "registration"


def criteria_for(protocol: Any, stage: str) -> list[Any]:
    """The protocol's criteria checked at ``stage``."""
    return [c for c in protocol.eligibility if stage_of(c) == stage]


def is_manual(criterion: Any) -> bool:
    return bool(criterion.manual) or criterion.rule is None


def manual_fact(criterion: Any) -> str:
    return f"manual_{criterion.id}"


def facts_for(protocol: Any, stage: str) -> list[Fact]:
    """The facts the stage's rules read, in the order the criteria first use them."""
    found: dict[str, Fact] = {}
    for criterion in criteria_for(protocol, stage):
        if is_manual(criterion):
            continue
        for leaf in leaves(criterion.rule):
            if "relative_to" in leaf:
                ref = f"{leaf['relative_to']}_date"
                found.setdefault(ref, Fact(ref, "date"))
            name = str(leaf.get("fact", leaf.get("event")))
            if "event" in leaf:
                fact = found.setdefault(name, Fact(name, "event", dated=True))
            elif "op" in leaf:
                fact = found.setdefault(name, Fact(name, "number"))
                if leaf["unit"] == "x ULN":
                    fact.uln = True
                elif fact.unit is None:
                    fact.unit = leaf["unit"]
            elif "in" in leaf:
                numeric = all(isinstance(v, int | float) for v in leaf["in"])
                fact = found.setdefault(name, Fact(name, "number" if numeric else "choice"))
                fact.choices += [str(v) for v in leaf["in"] if str(v) not in fact.choices]
            else:
                fact = found.setdefault(name, Fact(name, "bool"))
            fact.dated = fact.dated or "within_days" in leaf
            if criterion.id not in fact.criteria:
                fact.criteria.append(criterion.id)
    return list(found.values())


_TRI = [("", "unknown"), ("true", "yes"), ("false", "no")]


def screening_form(protocol: Any, stage: str, data: dict[str, Any] | None = None) -> forms.Form:
    """The screening form of a stage: the screening date, each fact, and each manual criterion."""
    suggestions: dict[str, list[str]] = {}
    fields: dict[str, forms.Field] = {
        "screening_date": forms.DateField(
            input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"})
        )
    }
    for fact in facts_for(protocol, stage):
        used = ", ".join(fact.criteria)
        if fact.kind == "date":
            fields[fact.name] = forms.DateField(
                required=False,
                input_formats=["%Y-%m-%d"],
                widget=forms.DateInput(attrs={"type": "date"}),
                help_text="date the windows are measured from (else the screening date)",
            )
            continue
        if fact.kind == "number":
            fields[fact.name] = forms.FloatField(
                required=False,
                help_text=f"criteria {used}"
                + (f"; unit {fact.unit}" if fact.unit not in (None, "", "1") else ""),
                widget=forms.NumberInput(attrs={"step": "any"}),
            )
            if fact.unit and fact.unit not in ("1", "years"):
                fields[f"{fact.name}_unit"] = forms.CharField(
                    required=False, initial=fact.unit, max_length=40
                )
            if fact.uln:
                fields[f"{fact.name}_uln"] = forms.FloatField(
                    required=False, help_text="upper limit of normal, same unit"
                )
        elif fact.kind == "choice":
            fields[fact.name] = forms.CharField(
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"list": f"dl-{fact.name}"}),
                help_text=f"criteria {used}; e.g. {', '.join(fact.choices)}",
            )
            suggestions[fact.name] = fact.choices
        else:
            label = f"{fact.name} (occurred)" if fact.kind == "event" else fact.name
            fields[fact.name] = forms.ChoiceField(
                required=False, choices=_TRI, label=label, help_text=f"criteria {used}"
            )
        if fact.dated:
            fields[f"{fact.name}_date"] = forms.DateField(
                required=False,
                input_formats=["%Y-%m-%d"],
                widget=forms.DateInput(attrs={"type": "date"}),
            )
    for criterion in criteria_for(protocol, stage):
        if is_manual(criterion):
            question = "applies" if criterion.kind == "exclusion" else "met"
            fields[manual_fact(criterion)] = forms.ChoiceField(
                required=False,
                choices=_TRI,
                label=f"{criterion.id} {question}? (investigator judgement)",
                help_text=criterion.text,
            )
    form_class = type(f"Screening{stage.title()}Form", (forms.Form,), fields)
    form = form_class(data=data)
    form.suggestions = suggestions
    return form


def clean_facts(cleaned: dict[str, Any]) -> dict[str, Any]:
    """Cleaned screening values as JSON (ISO dates, booleans, numbers; unanswered left out)."""
    out: dict[str, Any] = {}
    for key, value in cleaned.items():
        if value in (None, ""):
            continue
        if hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        elif value in ("true", "false"):
            out[key] = value == "true"
        else:
            out[key] = value
    return out


def _engine_criteria(protocol: Any, stage: str) -> list[dict[str, Any]]:
    out = []
    for c in criteria_for(protocol, stage):
        rule = {"fact": manual_fact(c), "is": True} if is_manual(c) else c.rule
        out.append({"id": c.id, "kind": c.kind, "text": c.text, "rule": rule, "manual": False})
    return out


def evaluate(protocol: Any, stage: str, subject_id: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The engine's verdict for one candidate: ``verdict`` (eligible / ineligible / pending),
    ``first_failed`` and one row per criterion with its status and reason."""
    row: dict[str, Any] = {"candidate_id": subject_id}
    for key, value in facts.items():
        if key == "screening_date":
            continue
        row[key] = pd.Timestamp(value) if key.endswith("_date") else value
    frame = pd.DataFrame([row])
    for key in frame.columns:
        if key.endswith("_date"):
            frame[key] = pd.to_datetime(frame[key])
    criteria = _engine_criteria(protocol, stage)
    result = screen(criteria, frame, screening_date=facts["screening_date"])
    texts = {c.id: (c.kind, c.text, is_manual(c)) for c in criteria_for(protocol, stage)}
    details = []
    for d in result.details.itertuples():
        kind, text, manual = texts[d.criterion]
        reason = str(d.reason)
        if manual:
            answer = facts.get(f"manual_{d.criterion}")
            reason = (
                "investigator judgement: not answered"
                if answer is None
                else f"investigator judgement: {'yes' if answer else 'no'}"
            )
        details.append(
            {
                "criterion": d.criterion,
                "kind": kind,
                "text": text,
                "status": d.status,
                "reason": reason,
            }
        )
    verdict = result.verdicts.iloc[0]
    return {
        "verdict": str(verdict["verdict"]),
        "first_failed": None if pd.isna(verdict["first_failed"]) else str(verdict["first_failed"]),
        "details": details,
    }

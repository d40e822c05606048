"""ClinicalTrials.gov API v2 study record -> a protocol that ``load_protocol`` loads (no network).

Field paths follow the API v2 ``protocolSection`` modules (identificationModule, statusModule,
conditionsModule, designModule, armsInterventionsModule, outcomesModule, eligibilityModule). The
eligibility text is split into numbered criteria (I1, I2, ... / E1, ...; indented sub-items I7.1,
..., with their ``parent``), all ``manual`` until someone writes their rules. The record's
structured limits become rules: ``minimumAge`` / ``maximumAge`` (AGE_MIN / AGE_MAX) and ``sex``
when it is not ALL (SEX). What the protocol model has no field for (status, sponsor, start date)
goes into the design's ``text``.
"""

from __future__ import annotations

import re
from typing import Any

_HEADING = re.compile(r"^\s*(inclusion|exclusion)\s+criteria\s*:?\s*$", re.IGNORECASE)
_ITEM = re.compile(r"^(?P<indent>\s*)(?:[*\-\u2022]|\d+[.)])\s+(?P<text>.+?)\s*$")


def split_criteria(text: str) -> list[dict[str, Any]]:
    """Split ClinicalTrials.gov eligibility text into criteria; a line that is neither heading nor
    item continues the previous item; an item indented deeper than the section's first item is a
    sub-item of the one before. Raises ValueError when no Inclusion/Exclusion heading is found."""
    kind: str | None = None
    items: list[dict[str, Any]] = []
    counters: dict[str, list[int]] = {"inclusion": [0, 0], "exclusion": [0, 0]}
    base: dict[str, int] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if head := _HEADING.match(line):
            kind = head.group(1).lower()
            continue
        if kind is None:
            raise ValueError(
                f"eligibilityCriteria: text before an Inclusion/Exclusion heading: {line.strip()!r}"
            )
        match = _ITEM.match(line)
        if match is None:
            if not items:
                raise ValueError(f"eligibilityCriteria: text outside any item: {line.strip()!r}")
            items[-1]["text"] += " " + line.strip()
            continue
        top, sub = counters[kind]
        prefix = "I" if kind == "inclusion" else "E"
        indent = len(match.group("indent").expandtabs(4))
        base.setdefault(kind, indent)
        parent = None
        if indent > base[kind] and top:
            counters[kind][1] = sub + 1
            cid, parent = f"{prefix}{top}.{sub + 1}", f"{prefix}{top}"
        else:
            counters[kind] = [top + 1, 0]
            cid = f"{prefix}{top + 1}"
        item: dict[str, Any] = {
            "id": cid,
            "kind": kind,
            "text": match.group("text"),
            "rule": None,
            "manual": True,
            "stage": "registration",
        }
        if parent is not None:
            item["parent"] = parent
        items.append(item)
    return items


_PHASES = {"EARLY_PHASE1": "1", "PHASE1": "1", "PHASE2": "2", "PHASE3": "3", "PHASE4": "4"}
_ARM_TYPES = {"EXPERIMENTAL": "experimental", "ACTIVE_COMPARATOR": "active_comparator"}
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day)s?\s*$", re.IGNORECASE)
_AGE_YEARS = {"year": 1, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25}


def _phase(phases: list[str]) -> str | None:
    """API v2 phases as the protocol's phase ("PHASE1", "PHASE2" -> "1/2"; "NA" -> none)."""
    found = sorted({_PHASES[p] for p in phases if p in _PHASES})
    if not found:
        return None
    return found[0] if len(found) == 1 else f"{found[0]}/{found[-1]}"


def _design_type(study_type: str | None, allocation: str | None) -> str:
    if (study_type or "").upper() == "OBSERVATIONAL":
        return "retrospective_cohort"
    return "randomized" if (allocation or "").upper() == "RANDOMIZED" else "single_arm"


def _age_years(text: str | None, field: str) -> float | None:
    """``"18 Years"`` -> 18; ``None`` when the record gives none; other spellings are an error."""
    if not text:
        return None
    match = _AGE.match(text)
    if match is None:
        raise ValueError(f"eligibilityModule.{field}: cannot read age {text!r}")
    value = float(match.group(1)) * _AGE_YEARS[match.group(2).lower()]
    return int(value) if value.is_integer() else round(value, 4)


def _structured_criteria(elig: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's structured eligibility limits as criteria with rules."""
    out = []
    for field, cid, op, word in (
        ("minimumAge", "AGE_MIN", ">=", "at least"),
        ("maximumAge", "AGE_MAX", "<=", "at most"),
    ):
        years = _age_years(elig.get(field), field)
        if years is not None:
            out.append(
                {
                    "id": cid,
                    "kind": "inclusion",
                    "text": f"Age {word} {elig[field]} (ClinicalTrials.gov {field})",
                    "rule": {"fact": "age", "op": op, "value": years, "unit": "years"},
                    "manual": False,
                    "stage": "registration",
                }
            )
    sex = (elig.get("sex") or "ALL").upper()
    if sex in ("FEMALE", "MALE"):
        out.append(
            {
                "id": "SEX",
                "kind": "inclusion",
                "text": f"Sex: {sex.lower()} (ClinicalTrials.gov sex)",
                "rule": {"fact": "sex", "in": [sex[0]]},
                "manual": False,
                "stage": "registration",
            }
        )
    return out


def _arm_id(label: str, index: int, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_").lower()[:40] or f"arm{index + 1}"
    arm_id, k = base, 2
    while arm_id in taken:
        arm_id, k = f"{base}_{k}", k + 1
    taken.add(arm_id)
    return arm_id


def _arms(module: dict[str, Any]) -> list[dict[str, Any]]:
    descriptions = {
        i.get("name"): i.get("description") for i in module.get("interventions", []) or []
    }
    taken: set[str] = set()
    arms = []
    for i, a in enumerate(module.get("armGroups", []) or []):
        label = a.get("label") or f"Arm {i + 1}"
        names = a.get("interventionNames", []) or []
        parts = [a.get("description")] + [
            f"{n}: {descriptions.get(n.split(': ', 1)[-1])}"
            if descriptions.get(n.split(": ", 1)[-1])
            else n
            for n in names
        ]
        arm: dict[str, Any] = {"id": _arm_id(label, i, taken), "label": label}
        if a.get("type") in _ARM_TYPES:
            arm["type"] = _ARM_TYPES[a["type"]]
        text = "\n".join(p for p in parts if p)
        if text:
            arm["description"] = text
        arms.append(arm)
    return arms


def _endpoints(module: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, role, prefix in (
        ("primaryOutcomes", "primary", "P"),
        ("secondaryOutcomes", "secondary", "S"),
        ("otherOutcomes", "exploratory", "X"),
    ):
        for i, o in enumerate(module.get(key, []) or []):
            definition = "\n".join(
                p
                for p in (
                    o.get("description"),
                    f"Time frame: {o['timeFrame']}" if o.get("timeFrame") else None,
                )
                if p
            )
            endpoint = {
                "id": f"{prefix}{i + 1}",
                "name": o.get("measure") or f"{role} outcome {i + 1}",
                "role": role,
                "kind": "other",
            }
            if definition:
                endpoint["definition"] = definition
            out.append(endpoint)
    return out


def ctgov_to_protocol(record: dict[str, Any]) -> dict[str, Any]:
    """Protocol data from an API v2 study record (``{"protocolSection": {...}}``) that validates as
    :class:`rtio.protocol.Protocol`; free-text criteria are manual, structured limits are rules."""
    try:
        ps = record["protocolSection"]
        ident = ps["identificationModule"]
        nct = ident["nctId"]
    except (KeyError, TypeError) as err:
        raise ValueError(
            f"record: missing protocolSection.identificationModule.nctId ({err})"
        ) from None
    status = ps.get("statusModule", {}) or {}
    design = ps.get("designModule", {}) or {}
    info = design.get("designInfo", {}) or {}
    elig = ps.get("eligibilityModule", {}) or {}
    conditions = (ps.get("conditionsModule", {}) or {}).get("conditions", []) or []
    sponsor = ((ps.get("sponsorCollaboratorsModule", {}) or {}).get("leadSponsor") or {}).get(
        "name"
    )
    notes = [
        f"ClinicalTrials.gov {nct}",
        f"status {status['overallStatus']}" if status.get("overallStatus") else None,
        f"study type {design['studyType']}" if design.get("studyType") else None,
        f"intervention model {info['interventionModel']}"
        if info.get("interventionModel")
        else None,
        f"sponsor {sponsor}" if sponsor else None,
        f"start {status['startDateStruct']['date']}"
        if (status.get("startDateStruct") or {}).get("date")
        else None,
    ]
    protocol: dict[str, Any] = {
        "id": nct,
        "title": ident.get("officialTitle") or ident.get("briefTitle") or nct,
        "identifiers": [{"registry": "ClinicalTrials.gov", "value": nct}],
        "disease": {"name": "; ".join(conditions) or "not stated in the record"},
        "design": {
            "type": _design_type(design.get("studyType"), info.get("allocation")),
            "text": "; ".join(n for n in notes if n),
        },
    }
    if ident.get("briefTitle") and ident.get("briefTitle") != protocol["title"]:
        protocol["short_title"] = ident["briefTitle"]
    org_id = (ident.get("orgStudyIdInfo") or {}).get("id")
    if org_id:
        protocol["identifiers"].append({"registry": "org_study_id", "value": str(org_id)})
    phase = _phase(design.get("phases", []) or [])
    if phase:
        protocol["phase"] = phase
    masking = (info.get("maskingInfo") or {}).get("masking")
    if masking:
        protocol["design"]["blinding"] = masking.lower()
    count = (design.get("enrollmentInfo") or {}).get("count")
    if isinstance(count, int) and count >= 1:
        protocol["planned_enrollment"] = count
    summary = (ps.get("descriptionModule", {}) or {}).get("briefSummary")
    if summary:
        protocol["summary"] = summary
    protocol["arms"] = _arms(ps.get("armsInterventionsModule", {}) or {})
    protocol["endpoints"] = _endpoints(ps.get("outcomesModule", {}) or {})
    criteria = split_criteria(elig.get("eligibilityCriteria", "") or "")
    protocol["eligibility"] = criteria + _structured_criteria(elig)
    return protocol

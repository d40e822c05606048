"""ClinicalTrials.gov API v2 study record -> protocol skeleton (plain data, no network).

Field paths follow the API v2 ``protocolSection`` modules (identificationModule, statusModule,
designModule, armsInterventionsModule, outcomesModule, eligibilityModule). The eligibility text is
split into numbered criteria (I1, I2, ... / E1, ...; indented sub-items I7.1, ...), all ``manual``
until someone writes their rules.
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
        if indent > base[kind] and top:
            counters[kind][1] = sub + 1
            cid = f"{prefix}{top}.{sub + 1}"
        else:
            counters[kind] = [top + 1, 0]
            cid = f"{prefix}{top + 1}"
        items.append(
            {
                "id": cid,
                "kind": kind,
                "text": match.group("text"),
                "rule": None,
                "manual": True,
                "stage": "registration",
            }
        )
    return items


def ctgov_to_protocol(record: dict[str, Any]) -> dict[str, Any]:
    """Protocol skeleton from an API v2 study record (``{"protocolSection": {...}}``)."""
    try:
        ps = record["protocolSection"]
        ident = ps["identificationModule"]
        nct = ident["nctId"]
    except (KeyError, TypeError) as err:
        raise ValueError(
            f"record: missing protocolSection.identificationModule.nctId ({err})"
        ) from None
    status = ps.get("statusModule", {})
    design = ps.get("designModule", {})
    arms = ps.get("armsInterventionsModule", {})
    outcomes = ps.get("outcomesModule", {})
    elig = ps.get("eligibilityModule", {})

    def outs(key: str) -> list[dict[str, Any]]:
        return [
            {
                "measure": o.get("measure"),
                "description": o.get("description"),
                "time_frame": o.get("timeFrame"),
            }
            for o in outcomes.get(key, [])
        ]

    return {
        "id": nct,
        "registry": "ClinicalTrials.gov",
        "title": ident.get("officialTitle") or ident.get("briefTitle"),
        "brief_title": ident.get("briefTitle"),
        "status": status.get("overallStatus"),
        "phase": design.get("phases", []),
        "study_type": design.get("studyType"),
        "enrolment": (design.get("enrollmentInfo") or {}).get("count"),
        "arms": [
            {
                "label": a.get("label"),
                "type": a.get("type"),
                "description": a.get("description"),
                "interventions": a.get("interventionNames", []),
            }
            for a in arms.get("armGroups", [])
        ],
        "interventions": [
            {"type": i.get("type"), "name": i.get("name"), "description": i.get("description")}
            for i in arms.get("interventions", [])
        ],
        "primary_outcomes": outs("primaryOutcomes"),
        "secondary_outcomes": outs("secondaryOutcomes"),
        "sex": elig.get("sex"),
        "minimum_age": elig.get("minimumAge"),
        "maximum_age": elig.get("maximumAge"),
        "eligibility": split_criteria(elig.get("eligibilityCriteria", "")),
    }

"""The fact table in docs/eligibility.md is generated from rtio.eligibility.facts, and every fact
the shipped protocols' rules read is in it."""

from __future__ import annotations

from pathlib import Path

from rtio.eligibility.facts import END, FACTS, START, fact_table
from rtio.eligibility.rules import leaves
from rtio.protocol import list_protocols, load_protocol

DOC = Path(__file__).parents[2] / "docs" / "eligibility.md"


def _used_facts() -> set[str]:
    used = set()
    for pid in list_protocols():
        for criterion in load_protocol(pid).eligibility:
            for leaf in leaves(criterion.rule) if criterion.rule else []:
                used.add(leaf.get("fact", leaf.get("event")))
                if "relative_to" in leaf:
                    used.add(leaf["relative_to"])
    return used


def test_every_fact_of_the_shipped_rules_is_registered() -> None:
    missing = sorted(_used_facts() - set(FACTS))
    assert not missing, f"add these facts to rtio.eligibility.facts.FACTS: {missing}"


def test_the_documented_table_is_the_generated_one() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = text.split(START, 1)[1].split(END, 1)[0]
    assert documented == fact_table(), (
        "regenerate it: python -m rtio.eligibility.facts docs/eligibility.md"
    )


def test_fact_kinds_match_how_the_rules_read_them() -> None:
    for pid in list_protocols():
        for criterion in load_protocol(pid).eligibility:
            for leaf in leaves(criterion.rule) if criterion.rule else []:
                name = leaf.get("fact", leaf.get("event"))
                kind = FACTS[name].kind
                if "op" in leaf:
                    assert kind == "number" and FACTS[name].unit == leaf["unit"], (pid, leaf)
                elif "in" in leaf:
                    assert kind == "category", (pid, leaf)
                elif "is" in leaf:
                    assert kind in ("boolean", "event"), (pid, leaf)
                else:
                    assert kind == "event", (pid, leaf)

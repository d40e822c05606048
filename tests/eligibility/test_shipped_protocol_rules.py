"""Every criterion of the shipped seed protocols 000, 003 and 004 is computable (a valid rule) or
manual (no rule, reported for review) — never neither."""

import pytest

from rtio.eligibility import validate_rule
from rtio.protocol import load_protocol


@pytest.mark.parametrize("protocol_id", ["NCT07164690", "NCT07235319", "ChiCTR2100046715"])
def test_each_criterion_has_a_valid_rule_or_is_manual(protocol_id) -> None:
    for criterion in load_protocol(protocol_id).eligibility:
        if criterion.manual:
            assert criterion.rule is None, criterion.id
        else:
            assert criterion.rule is not None, criterion.id
            validate_rule(criterion.rule, criterion.id)

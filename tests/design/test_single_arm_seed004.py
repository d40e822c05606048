"""Seed 004's design: 6.3 → 12 months, one-sided 0.05, 80 % power, 20 % dropout, uniform accrual
12 + 12 months follow-up → 16 PFS events and 32 patients (Statistical analysis). The other
standard methods give what the reference table computes (shared/reference/trial-design.md (a));
Wu's method is also checked against its R package's own example (SampleSize(alpha = .05,
power = .8, ta = 5, tf = 3, m0 = 9, delta = 1/1.75, k = 1.22) → 88)."""

import pytest

from rtio.design import single_arm_survival

SEED004 = dict(
    median_control=6.3,
    median_target=12,
    alpha=0.05,
    sided=1,
    power=0.8,
    accrual_months=12,
    follow_up_months=12,
    dropout=0.2,
)


def test_default_method_reproduces_16_events_and_32_patients() -> None:
    design = single_arm_survival(**SEED004)
    assert (design.events, design.patients) == (16, 32)
    assert design.evaluable == 25
    assert design.exact_n == pytest.approx(24.16, abs=0.01)
    assert design.event_probability_h1 == pytest.approx(0.6393, abs=1e-4)
    assert design.event_probability_h0 == pytest.approx(0.8517, abs=1e-4)


@pytest.mark.parametrize(
    ("method", "exact_n", "events", "patients"),
    [
        ("exponential", 14.89 / 0.6393, 15, 30),
        ("epstein", 15 / 0.6393, 15, 30),
        ("wu", 22.80, 15, 29),
    ],
)
def test_other_methods_as_the_reference_table(method, exact_n, events, patients) -> None:
    design = single_arm_survival(**SEED004, method=method)
    assert design.exact_n == pytest.approx(exact_n, abs=0.01)
    assert (design.events, design.patients) == (events, patients)


def test_wu_matches_its_package_example() -> None:
    target = 9 * 1.75 ** (1 / 1.22)  # hazard ratio 1/1.75 under Weibull shape 1.22
    design = single_arm_survival(
        9,
        target,
        alpha=0.05,
        power=0.8,
        accrual_months=5,
        follow_up_months=3,
        method="wu",
        shape=1.22,
    )
    assert design.evaluable == 88

"""Simon (1989) two-stage designs against Simon's published Table 1 (α = 0.05, β = 0.2), and the
defining properties of the exact single-stage design."""

import pytest
from scipy.stats import binom

from rtio.design import simon_two_stage, single_stage

# (p0, p1): optimal (r1/n1, r/n, E[N|p0]), minimax (r1/n1, r/n, E[N|p0]) — Simon 1989, Table 1
SIMON = {
    (0.05, 0.25): ((0, 9, 2, 17, 12.0), (0, 12, 2, 16, 13.8)),
    (0.10, 0.30): ((1, 10, 5, 29, 15.0), (1, 15, 5, 25, 19.5)),
    (0.20, 0.40): ((3, 13, 12, 43, 20.6), (4, 18, 10, 33, 22.3)),
    (0.30, 0.50): ((5, 15, 18, 46, 23.6), (6, 19, 16, 39, 25.7)),
}


@pytest.mark.parametrize(("p0", "p1"), list(SIMON))
def test_simon_two_stage_published_designs(p0, p1) -> None:
    designs = simon_two_stage(p0, p1, alpha=0.05, power=0.8)
    for kind, expected in zip(("optimal", "minimax"), SIMON[(p0, p1)], strict=True):
        d = designs[kind]
        assert (d.r1, d.n1, d.r, d.n) == expected[:4], kind
        assert round(d.expected_n_h0, 1) == expected[4], kind


def test_single_stage_meets_error_rates_with_the_smallest_n() -> None:
    d = single_stage(0.2, 0.4, alpha=0.05, power=0.8)
    assert binom.sf(d.r, d.n, 0.2) <= 0.05 and binom.sf(d.r, d.n, 0.4) >= 0.8
    smaller = [
        binom.sf(r, d.n - 1, 0.4) >= 0.8 for r in range(d.n) if binom.sf(r, d.n - 1, 0.2) <= 0.05
    ]
    assert not smaller[:1] or not smaller[0]

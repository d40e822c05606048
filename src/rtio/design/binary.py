"""Single-arm binary designs (ORR, R0, pCR): exact single stage (A'Hern 2001) and Simon's (1989)
optimal and minimax two-stage designs, found by exhaustive search over exact binomial
probabilities (vectorised over the candidate designs)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binom


@dataclass(frozen=True)
class BinaryDesign:
    """Reject H0 (p ≤ p0) when more than ``r`` responses in ``n``; stop after stage 1 when ≤ ``r1`` in ``n1``."""

    n: int
    r: int
    n1: int | None
    r1: int | None
    alpha: float
    power: float
    expected_n_h0: float
    early_stop_h0: float
    kind: str


def single_stage(
    p0: float, p1: float, alpha: float = 0.05, power: float = 0.8, max_n: int = 500
) -> BinaryDesign:
    """Smallest n with a critical count r: P(X > r | p0) ≤ α and P(X > r | p1) ≥ power (A'Hern 2001)."""
    for n in range(1, max_n + 1):
        r = np.arange(n + 1)
        size = binom.sf(r, n, p0)
        ok = size <= alpha
        if not ok.any():
            continue
        r_min = int(r[ok][0])
        achieved = float(binom.sf(r_min, n, p1))
        if achieved >= power:
            return BinaryDesign(
                n,
                r_min,
                None,
                None,
                float(size[r_min]),
                achieved,
                float(n),
                0.0,
                "exact single stage",
            )
    raise ValueError(f"no single-stage design with n <= {max_n}")


def _two_stage_candidates(
    p0: float, p1: float, alpha: float, power: float, max_n: int
) -> np.ndarray:
    """All (n1, r1, n, r) meeting the error constraints, with E[N | p0] and P(early stop | p0)."""
    rows = []
    for n in range(2, max_n + 1):
        for n1 in range(1, n):
            n2 = n - n1
            r1 = np.arange(0, n1)
            x1 = np.arange(0, n1 + 1)
            pmf0, pmf1 = binom.pmf(x1, n1, p0), binom.pmf(x1, n1, p1)
            for_r = np.arange(0, n)
            # P(reject) = sum over x1 > r1 of P(x1) * P(X2 > r - x1)
            tail0 = binom.sf(for_r[:, None] - x1[None, :], n2, p0)
            tail1 = binom.sf(for_r[:, None] - x1[None, :], n2, p1)
            beyond = x1[None, :] > r1[:, None]
            reject0 = (beyond[:, None, :] * pmf0 * tail0[None, :, :]).sum(axis=2)
            reject1 = (beyond[:, None, :] * pmf1 * tail1[None, :, :]).sum(axis=2)
            valid = (reject0 <= alpha) & (reject1 >= power) & (for_r[None, :] >= r1[:, None])
            if not valid.any():
                continue
            stop0 = binom.cdf(r1, n1, p0)
            i, j = np.nonzero(valid)
            expected = n1 + (1 - stop0[i]) * n2
            rows.append(
                np.column_stack(
                    [
                        np.full(i.size, n1),
                        r1[i],
                        np.full(i.size, n),
                        for_r[j],
                        expected,
                        stop0[i],
                        reject0[i, j],
                        reject1[i, j],
                    ]
                )
            )
        if rows and n > _minimax_bound(rows):
            break
    return np.vstack(rows)


def _minimax_bound(rows: list[np.ndarray]) -> float:
    """Searching stops once n exceeds the smallest feasible n by a margin that cannot improve E[N]."""
    found = np.vstack(rows)
    return found[:, 2].min() * 1.5 + 5


def simon_two_stage(
    p0: float, p1: float, alpha: float = 0.05, power: float = 0.8, max_n: int = 100
) -> dict[str, BinaryDesign]:
    """Simon's optimal (smallest E[N | p0]) and minimax (smallest n, then E[N | p0]) designs."""
    c = _two_stage_candidates(p0, p1, alpha, power, max_n)
    optimal = c[np.lexsort((c[:, 2], c[:, 4]))[0]]
    minimax = c[np.lexsort((c[:, 4], c[:, 2]))[0]]

    def design(row: np.ndarray, kind: str) -> BinaryDesign:
        return BinaryDesign(
            int(row[2]),
            int(row[3]),
            int(row[0]),
            int(row[1]),
            float(row[6]),
            float(row[7]),
            float(row[4]),
            float(row[5]),
            f"Simon two-stage, {kind}",
        )

    return {"optimal": design(optimal, "optimal"), "minimax": design(minimax, "minimax")}

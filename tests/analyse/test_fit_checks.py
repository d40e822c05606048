"""Results.warnings names every hazard ratio whose Cox fit failed one of R coxph.fit's checks, by
the reasons rtio.stats.cox.CoxFitCheck shares with CoxPH.not_estimable, and nothing else."""

from pydantic import BaseModel

from rtio.analyse.fit_checks import fit_warnings
from rtio.analyse.results import Effect
from rtio.stats.cox import CoxFitCheck


class _Section(BaseModel):
    title: str
    effects: list[Effect]


def _effect(group: str, reason: str | None) -> Effect:
    return Effect(
        value=None,
        lower=None,
        upper=None,
        conf_level=0.95,
        group=group,
        reference="A",
        method="Cox",
        not_estimable=reason,
    )


def test_each_cox_fit_check_is_warned_once_and_other_reasons_are_not():
    checks = list(CoxFitCheck)
    section = _Section(
        title="PFS",
        effects=[
            *(_effect(f"G{i}", check.value) for i, check in enumerate(checks)),
            _effect("G0", checks[0].value),  # said once
            _effect("H", "no events in either group"),
            _effect("K", None),
        ],
    )
    warnings = fit_warnings(section)  # type: ignore[arg-type]
    assert warnings == [
        f"PFS: HR G{i} vs A not estimable ({check.value}); Cox" for i, check in enumerate(checks)
    ]


def test_cox_fit_checks_are_the_reasons_cox_ph_gives():
    assert {c.value for c in CoxFitCheck} == {
        "collinear with other covariates (R: coefficient NA)",
        "the fit did not converge within the iteration limit",
        "monotone likelihood: the coefficient may be infinite",
    }

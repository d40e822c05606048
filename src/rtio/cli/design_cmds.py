"""``rtio design``: sample size, simulation of operating characteristics, randomization lists."""

from __future__ import annotations

import contextlib
import enum
import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from rtio.cli.common import PROTOCOL_FILE_HELP, file_out, protocol_from
from rtio.cli.group import UsageError


def _probability(value: float | None) -> float | None:
    if value is not None and not 0 < value < 1:
        raise typer.BadParameter(f"{value:g} is not a probability strictly between 0 and 1")
    return value


def _positive(value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise typer.BadParameter(f"{value:g} is not a positive number")
    return value


PROBABILITY: dict[str, Any] = {"callback": _probability}
POSITIVE: dict[str, Any] = {"callback": _positive}


class Spending(enum.StrEnum):
    """Lan–DeMets alpha-spending functions."""

    obf = "obf"
    pocock = "pocock"


class Method(enum.StrEnum):
    """Single-arm time-to-event sample-size methods."""

    lachin = "lachin"
    exponential = "exponential"
    epstein = "epstein"
    wu = "wu"


design_app = typer.Typer(
    help="Trial design: sample size, simulated operating characteristics, randomization lists.",
    no_args_is_help=True,
)


def _plain(value: object) -> object:
    if hasattr(value, "to_dict"):
        return value.to_dict(orient="records")
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


@contextlib.contextmanager
def _option_values() -> Iterator[None]:
    """Every value a design function checks came from an option: its complaint is a usage error."""
    try:
        yield
    except ValueError as err:
        raise UsageError(str(err)) from None


def _emit(result: Any, as_json: bool, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    data = {k: _plain(v) for k, v in asdict(result).items()}
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    table = Table(title=title, show_header=False)
    for key, value in data.items():
        table.add_row(
            key, json.dumps(value, default=str) if isinstance(value, list | dict) else str(value)
        )
    Console().print(table)


def _plan(protocol: str | None, protocol_file: Path | None) -> Any:
    chosen = protocol_from(protocol, protocol_file, argument="--protocol", required=False)
    if chosen is None:
        return None
    if chosen.statistical_plan is None:
        raise UsageError(f"protocol {chosen.id} has no statistical plan", option="--protocol")
    return chosen.statistical_plan


@design_app.command("single-arm-survival")
def single_arm_survival_cmd(
    median_control: float | None = typer.Option(
        None, help="Historical control median (months).", **POSITIVE
    ),
    median_target: float | None = typer.Option(None, help="Target median (months).", **POSITIVE),
    alpha: float | None = typer.Option(
        None, help="Significance level (default 0.05).", **PROBABILITY
    ),
    sided: int | None = typer.Option(None, help="1 or 2 (default 1).", min=1, max=2),
    power: float | None = typer.Option(None, help="Power (default 0.8).", **PROBABILITY),
    accrual: float | None = typer.Option(None, help="Uniform accrual (months).", **POSITIVE),
    follow_up: float | None = typer.Option(
        None, help="Follow-up after the last patient (months).", min=0.0
    ),
    dropout: float | None = typer.Option(
        None, help="Dropout proportion: N = n / (1 − dropout).", min=0.0, max=0.99
    ),
    method: Method = typer.Option(Method.lachin, help="Sample-size method."),
    protocol: str | None = typer.Option(
        None, "--protocol", help="Take the assumptions from a shipped protocol."
    ),
    protocol_file: Path | None = typer.Option(None, "--protocol-file", help=PROTOCOL_FILE_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Patients and events to beat a historical control median (seed 004: 16 events, 32 patients)."""
    from rtio.design import single_arm_survival

    plan = _plan(protocol, protocol_file)

    def pick(given: Any, attr: str, default: Any) -> Any:
        return (
            given if given is not None else (getattr(plan, attr, None) if plan else None) or default
        )

    control = (
        median_control
        if median_control is not None
        else (plan.historical_control.median_months if plan and plan.historical_control else None)
    )
    target = (
        median_target
        if median_target is not None
        else (plan.expected.median_months if plan and plan.expected else None)
    )
    if control is None or target is None:
        raise UsageError(
            "give --median-control and --median-target (or --protocol with a statistical plan)"
        )
    with _option_values():
        result = single_arm_survival(
            control,
            target,
            alpha=pick(alpha, "alpha", 0.05),
            sided=pick(sided, "sided", 1),
            power=pick(power, "power", 0.8),
            accrual_months=accrual
            if accrual is not None
            else (plan.accrual.value if plan and plan.accrual else 12),
            follow_up_months=follow_up
            if follow_up is not None
            else (plan.follow_up.value if plan and plan.follow_up else 12),
            dropout=pick(dropout, "dropout", 0.0),
            method=method.value,
        )
    _emit(result, as_json, "Single-arm time-to-event design")


@design_app.command("single-arm-binary")
def single_arm_binary_cmd(
    p0: float = typer.Option(..., help="Uninteresting response rate.", **PROBABILITY),
    p1: float = typer.Option(..., help="Target response rate.", **PROBABILITY),
    alpha: float = typer.Option(0.05, **PROBABILITY),
    power: float = typer.Option(0.8, **PROBABILITY),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Exact single-stage and Simon two-stage (optimal, minimax) designs."""
    from rtio.design import simon_two_stage, single_stage

    with _option_values():
        designs = [
            ("single stage", single_stage(p0, p1, alpha, power)),
            *simon_two_stage(p0, p1, alpha, power).items(),
        ]
    for name, design in designs:
        _emit(design, as_json, f"Binary design: {name}")


@design_app.command("two-arm-survival")
def two_arm_survival_cmd(
    median_control: float = typer.Option(..., help="Control median (months).", **POSITIVE),
    hazard_ratio: float = typer.Option(
        ..., help="Expected hazard ratio experimental / control.", **POSITIVE
    ),
    alpha: float = typer.Option(0.025, help="One-sided significance level.", **PROBABILITY),
    power: float = typer.Option(0.8, **PROBABILITY),
    accrual: float = typer.Option(24, help="Uniform accrual (months).", **POSITIVE),
    follow_up: float = typer.Option(12, help="Follow-up after the last patient (months).", min=0),
    dropout_rate: float = typer.Option(
        0.0, help="Proportion lost by --dropout-months (exponential).", min=0.0, max=0.99
    ),
    dropout_months: float = typer.Option(12, **POSITIVE),
    allocation_ratio: float = typer.Option(1.0, help="Experimental : control.", **POSITIVE),
    margin: float | None = typer.Option(
        None, help="Non-inferiority margin on the hazard ratio.", **POSITIVE
    ),
    looks: int = typer.Option(1, help="Equally spaced analyses.", min=1),
    spending: Spending = typer.Option(Spending.obf, help="Lan–DeMets spending function."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Events, patients and boundaries of a two-arm superiority or non-inferiority design (as rpact)."""
    from rtio.design import two_arm_survival

    with _option_values():
        result = two_arm_survival(
            median_control,
            hazard_ratio=hazard_ratio,
            alpha=alpha,
            power=power,
            accrual_months=accrual,
            follow_up_months=follow_up,
            dropout_rate=dropout_rate,
            dropout_months=dropout_months,
            allocation_ratio=allocation_ratio,
            margin=margin,
            looks=looks,
            spending=spending.value,
        )
    _emit(result, as_json, "Two-arm time-to-event design")


@design_app.command("simulate")
def simulate_cmd(
    median_control: float = typer.Option(..., help="Control median (months).", **POSITIVE),
    hazard_ratio: float = typer.Option(..., help="Design hazard ratio.", **POSITIVE),
    true_hazard_ratio: float | None = typer.Option(
        None, help="Truth to simulate from (default: the design's).", **POSITIVE
    ),
    alpha: float = typer.Option(0.025, **PROBABILITY),
    power: float = typer.Option(0.8, **PROBABILITY),
    accrual: float = typer.Option(24, **POSITIVE),
    follow_up: float = typer.Option(12, min=0),
    dropout_rate: float = typer.Option(0.0, min=0.0, max=0.99),
    margin: float | None = typer.Option(None, **POSITIVE),
    looks: int = typer.Option(1, min=1),
    spending: Spending = typer.Option(Spending.obf, help="Lan–DeMets spending function."),
    n_trials: int = typer.Option(10_000, min=1),
    seed: int = typer.Option(1, min=0),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Address of a dask.distributed scheduler to run the trials on, or 'synchronous' "
        "for one thread (default: threads in this process, the faster choice on one machine; "
        "see docs/design.md).",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Monte-Carlo power / type I error, expected events and duration of a two-arm design."""
    from rich.console import Console

    from rtio.design import simulate_two_arm

    with _option_values(), Console(stderr=True).status(f"simulating {n_trials} trials ..."):
        result = simulate_two_arm(
            median_control,
            hazard_ratio=hazard_ratio,
            true_hazard_ratio=true_hazard_ratio,
            alpha=alpha,
            power=power,
            accrual_months=accrual,
            follow_up_months=follow_up,
            dropout_rate=dropout_rate,
            margin=margin,
            looks=looks,
            spending=spending.value,
            n_trials=n_trials,
            seed=seed,
            scheduler=scheduler,
        )
    _emit(result, as_json, "Simulated operating characteristics")


@design_app.command("randomize")
def randomize_cmd(
    n_per_stratum: int = typer.Option(
        ..., help="Allocations per stratum (the last block is completed).", min=1
    ),
    arms: str = typer.Option("A,B", help="Comma-separated arm labels."),
    ratio: str = typer.Option("1,1", help="Comma-separated allocation ratio."),
    strata: list[str] = typer.Option([], "--stratum", help="FACTOR=level1,level2 (repeatable)."),
    seed: int = typer.Option(1, min=0),
    out: Path = typer.Option(..., "--out", help="CSV file for the list."),
) -> None:
    """Stratified permuted-block randomization list with random block sizes, and its balance."""
    from rich.console import Console

    from rtio.design import randomization_list
    from rtio.io.outputs import write_csv

    factors = {}
    for item in strata:
        name, _, levels = item.partition("=")
        if not name.strip() or not levels.strip():
            raise UsageError(f"{item!r}: expected FACTOR=level1,level2", option="--stratum")
        factors[name.strip()] = [level.strip() for level in levels.split(",")]
    arm_labels = [a.strip() for a in arms.split(",")]
    if len(arm_labels) < 2 or not all(arm_labels) or len(set(arm_labels)) < len(arm_labels):
        raise UsageError(f"{arms!r}: give two or more distinct arm labels", option="--arms")
    try:
        weights = [int(r) for r in ratio.split(",")]
    except ValueError:
        raise UsageError(f"{ratio!r}: give whole numbers such as 2,1", option="--ratio") from None
    if len(weights) != len(arm_labels):
        raise UsageError(
            f"{ratio!r} gives {len(weights)} numbers for {len(arm_labels)} arms", option="--ratio"
        )
    with _option_values():
        result = randomization_list(
            n_per_stratum, arms=arm_labels, ratio=weights, strata=factors or None, seed=seed
        )
    write_csv(result.table, file_out(out))
    Console().print(result.balance.to_string(index=False))
    typer.echo(f"{len(result.table)} allocations (seed {seed}) -> {out}")

"""``rtio design``: sample size, simulation of operating characteristics, randomization lists."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from rtio.design import (
    randomization_list,
    simon_two_stage,
    simulate_two_arm,
    single_arm_survival,
    single_stage,
    two_arm_survival,
)
from rtio.protocol import load_protocol

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


def _emit(result: object, as_json: bool, title: str) -> None:
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


def _plan(protocol: str | None):
    if protocol is None:
        return None
    plan = load_protocol(protocol).statistical_plan
    if plan is None:
        raise typer.BadParameter(
            f"protocol {protocol} has no statistical plan", param_hint="--protocol"
        )
    return plan


@design_app.command("single-arm-survival")
def single_arm_survival_cmd(
    median_control: float = typer.Option(None, help="Historical control median (months)."),
    median_target: float = typer.Option(None, help="Target median (months)."),
    alpha: float = typer.Option(None, help="Significance level (default 0.05)."),
    sided: int = typer.Option(None, help="1 or 2 (default 1)."),
    power: float = typer.Option(None, help="Power (default 0.8)."),
    accrual: float = typer.Option(None, help="Uniform accrual (months)."),
    follow_up: float = typer.Option(None, help="Follow-up after the last patient (months)."),
    dropout: float = typer.Option(None, help="Dropout proportion: N = n / (1 − dropout)."),
    method: str = typer.Option("lachin", help="lachin, exponential, epstein or wu."),
    protocol: str = typer.Option(
        None, "--protocol", help="Take the assumptions from a shipped protocol."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Patients and events to beat a historical control median (seed 004: 16 events, 32 patients)."""
    plan = _plan(protocol)

    def pick(given, attr, default):
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
        raise typer.BadParameter(
            "give --median-control and --median-target (or --protocol with a statistical plan)"
        )
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
        method=method,
    )
    _emit(result, as_json, "Single-arm time-to-event design")


@design_app.command("single-arm-binary")
def single_arm_binary_cmd(
    p0: float = typer.Option(..., help="Uninteresting response rate."),
    p1: float = typer.Option(..., help="Target response rate."),
    alpha: float = typer.Option(0.05),
    power: float = typer.Option(0.8),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Exact single-stage and Simon two-stage (optimal, minimax) designs."""
    for name, design in [
        ("single stage", single_stage(p0, p1, alpha, power)),
        *simon_two_stage(p0, p1, alpha, power).items(),
    ]:
        _emit(design, as_json, f"Binary design: {name}")


@design_app.command("two-arm-survival")
def two_arm_survival_cmd(
    median_control: float = typer.Option(..., help="Control median (months)."),
    hazard_ratio: float = typer.Option(..., help="Expected hazard ratio experimental / control."),
    alpha: float = typer.Option(0.025, help="One-sided significance level."),
    power: float = typer.Option(0.8),
    accrual: float = typer.Option(24, help="Uniform accrual (months)."),
    follow_up: float = typer.Option(12, help="Follow-up after the last patient (months)."),
    dropout_rate: float = typer.Option(
        0.0, help="Proportion lost by --dropout-months (exponential)."
    ),
    dropout_months: float = typer.Option(12),
    allocation_ratio: float = typer.Option(1.0, help="Experimental : control."),
    margin: float = typer.Option(None, help="Non-inferiority margin on the hazard ratio."),
    looks: int = typer.Option(1, help="Equally spaced analyses."),
    spending: str = typer.Option("obf", help="obf or pocock (Lan–DeMets)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Events, patients and boundaries of a two-arm superiority or non-inferiority design (as rpact)."""
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
        spending=spending,
    )
    _emit(result, as_json, "Two-arm time-to-event design")


@design_app.command("simulate")
def simulate_cmd(
    median_control: float = typer.Option(..., help="Control median (months)."),
    hazard_ratio: float = typer.Option(..., help="Design hazard ratio."),
    true_hazard_ratio: float = typer.Option(
        None, help="Truth to simulate from (default: the design's)."
    ),
    alpha: float = typer.Option(0.025),
    power: float = typer.Option(0.8),
    accrual: float = typer.Option(24),
    follow_up: float = typer.Option(12),
    dropout_rate: float = typer.Option(0.0),
    margin: float = typer.Option(None),
    looks: int = typer.Option(1),
    spending: str = typer.Option("obf"),
    n_trials: int = typer.Option(10_000),
    seed: int = typer.Option(1),
    scheduler: str = typer.Option(
        None, "--scheduler", help="Dask scheduler address (default: local processes)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Monte-Carlo power / type I error, expected events and duration of a two-arm design."""
    with Console().status(f"simulating {n_trials} trials ..."):
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
            spending=spending,
            n_trials=n_trials,
            seed=seed,
            scheduler=scheduler,
        )
    _emit(result, as_json, "Simulated operating characteristics")


@design_app.command("randomize")
def randomize_cmd(
    n_per_stratum: int = typer.Option(
        ..., help="Allocations per stratum (the last block is completed)."
    ),
    arms: str = typer.Option("A,B", help="Comma-separated arm labels."),
    ratio: str = typer.Option("1,1", help="Comma-separated allocation ratio."),
    strata: list[str] = typer.Option([], "--stratum", help="FACTOR=level1,level2 (repeatable)."),
    seed: int = typer.Option(1),
    out: Path = typer.Option(..., "--out", help="CSV file for the list."),
) -> None:
    """Stratified permuted-block randomization list with random block sizes, and its balance."""
    factors = {}
    for item in strata:
        name, _, levels = item.partition("=")
        if not levels:
            raise typer.BadParameter(
                f"{item!r}: expected FACTOR=level1,level2", param_hint="--stratum"
            )
        factors[name] = levels.split(",")
    result = randomization_list(
        n_per_stratum,
        arms=arms.split(","),
        ratio=[int(r) for r in ratio.split(",")],
        strata=factors or None,
        seed=seed,
    )
    result.table.to_csv(out, index=False)
    Console().print(result.balance.to_string(index=False))
    typer.echo(f"{len(result.table)} allocations (seed {seed}) -> {out}")

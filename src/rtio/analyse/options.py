"""What an analysis run is told beyond the study folder: the data cut-off, the interim look, and
the statistical-plan values a protocol leaves empty (recorded as assumed wherever they are used)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AnalysisOptions(BaseModel):
    """Options of ``rtio analyse``. A plan value given here is used only where the protocol is
    silent, and every output labels it assumed; the protocol's own value always wins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cutoff: dt.date | None = Field(default=None, description="Data cut-off (overrides study.yaml).")
    look: int | None = Field(default=None, ge=1, description="Interim look number at this cut-off.")
    endpoint: str | None = Field(default=None, description="Primary endpoint (PFS or OS).")
    alpha: float | None = Field(default=None, gt=0, lt=1, description="Significance level.")
    sided: Literal[1, 2] | None = Field(default=None, description="One- or two-sided alpha.")
    ni_margin: float | None = Field(
        default=None, gt=1, description="Non-inferiority margin on the hazard-ratio scale."
    )
    stratify: tuple[str, ...] = Field(
        default=(), description="Stratification factors (subjects columns)."
    )
    looks: int | None = Field(default=None, ge=1, description="Planned analyses (interim + final).")
    spending: Literal["obf", "pocock"] | None = Field(
        default=None, description="Lan–DeMets spending function of the group-sequential boundaries."
    )
    target_events: int | None = Field(
        default=None,
        ge=1,
        description="Planned events at the final analysis (information = events).",
    )

    def given(self) -> dict[str, str]:
        """The options that were set, as text (for results.json ``meta.options``)."""
        out = {}
        for name, value in self.model_dump().items():
            if value is None or value == ():
                continue
            out[name] = ",".join(value) if isinstance(value, tuple) else str(value)
        return out

"""Study-level settings: the ``study.yaml`` file of a study folder."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

FIRST_YEAR, LAST_YEAR = 1900, 2100
"""Study dates lie in these years (as the tables' dates do); anything else is a typing slip."""


class StudySettings(BaseModel):
    """Settings that belong to one study (not to its protocol).

    ``data_cutoff``: events after it are ignored and follow-up is censored at it (seed 004:
    2023-10-12). ``term_map`` maps verbatim AE labels (e.g. "Hypoproteinemia") to CTCAE terms.
    """

    model_config = ConfigDict(extra="forbid")

    protocol: str | None = Field(
        None,
        description="A shipped protocol id, or a path (relative to the folder) to a protocol YAML.",
    )
    data_cutoff: dt.date | None = Field(None, description="Data cut-off date.")
    ctcae_version: str = Field("5.0", description="CTCAE version used for grading.")
    synthetic: bool = Field(False, description="True for simulated data.")
    seed: int | None = Field(None, description="Random seed of a simulated study.")
    generator: str | None = Field(None, description="What generated a simulated study.")
    notes: list[str] = Field(default_factory=list, description="Free-text notes on the data.")
    term_map: dict[str, str] = Field(
        default_factory=dict, description="Verbatim AE label -> CTCAE term."
    )
    visit_windows: dict[str, Any] = Field(
        default_factory=dict, description="Overrides of the protocol's visit windows."
    )

    @field_validator("data_cutoff")
    @classmethod
    def _plausible_cutoff(cls, value: dt.date | None) -> dt.date | None:
        """The cut-off lies in the years the tables' dates may take (rule ``date_range``)."""
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(
                f"the data cut-off {value.isoformat()} is outside {FIRST_YEAR}–{LAST_YEAR}: a "
                "typing slip in the year?"
            )
        return value

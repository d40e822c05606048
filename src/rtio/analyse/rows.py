"""Data-frame rows as typed result models."""

from __future__ import annotations

from typing import TypeVar

import pandas as pd
from pydantic import BaseModel, TypeAdapter

Model = TypeVar("Model", bound=BaseModel)


def records(frame: pd.DataFrame, model: type[Model]) -> list[Model]:
    """The rows of ``frame`` as ``model`` instances, validated in one pass (the model's fields
    are taken from the columns of the same names, fields with defaults may be absent)."""
    columns = [name for name in model.model_fields if name in frame.columns]
    return TypeAdapter(list[model]).validate_python(  # type: ignore[valid-type]
        frame[columns].to_dict(orient="records")
    )

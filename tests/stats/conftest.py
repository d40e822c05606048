"""Reference values from R 4.2 / survival 3.5 (tests/reference/stats/stats_reference.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "stats" / "stats_reference.json"


@pytest.fixture(scope="session")
def ref() -> dict:
    return json.loads(REFERENCE.read_text())


@pytest.fixture(scope="session")
def r_data(ref) -> dict[str, pd.DataFrame]:
    data = {name: pd.DataFrame(frame) for name, frame in ref["data"].items()}
    data["veteran"]["celltype"] = pd.Categorical(
        data["veteran"]["celltype"], categories=["squamous", "smallcell", "adeno", "large"]
    )
    data["heart"]["transplant"] = pd.Categorical(data["heart"]["transplant"], categories=[0, 1])
    data["lung"]["dead"] = (data["lung"]["status"] == 2).astype(int)
    return data


@pytest.fixture(scope="session")
def r_array():
    """Convert R output to floats, R's NA (JSON null) as NaN."""
    return lambda values: np.array([np.nan if v is None else v for v in values], dtype=float)

"""The protocol's analysis plan on a study folder → a typed, JSON-serialisable Results object."""

from rtio.analyse.results import Results
from rtio.analyse.study import analyse_study

__all__ = ["Results", "analyse_study"]

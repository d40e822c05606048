"""Real-world RT+IO cohorts from an OMOP CDM, with the statistics pushed down to the engine.

A cohort definition (:mod:`rtio.rwd.definition`) turns OMOP CDM v5.4 tables into the cohort study
tables ``rtio.cohort`` analyses; the extraction plan (:mod:`rtio.rwd.plan`) runs inside DuckDB
(embedded) or Spark (:mod:`rtio.rwd.engine`), and the survival statistics
(:mod:`rtio.rwd.survival`) are computed from sufficient statistics the engine aggregates, so
patient rows never leave the engine. See docs/rwd.md.
"""

from rtio.rwd.definition import CohortDefinition, load_definition

__all__ = ["CohortDefinition", "load_definition"]

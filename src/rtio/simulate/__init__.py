"""Synthetic study folders for a protocol (demo, test and benchmark data).

The generator draws a latent truth per subject (response class, progression and death
times) and renders it into the study tables of ``docs/study-format.md``. Everything is
vectorised over subjects with numpy; one ``numpy.random.Generator`` per table seeded from a
``SeedSequence`` keeps a run deterministic for a given seed.
"""

from rtio.simulate.esophageal import SimulationConfig, simulate_study, write_study

__all__ = ["SimulationConfig", "simulate_study", "write_study"]

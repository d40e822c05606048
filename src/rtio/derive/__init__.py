"""Derivations from study tables: RECIST 1.1 / iRECIST response, CTCAE grading, RT dose,
time-to-event endpoints and analysis populations (CDISC ADaM-style tables).

Every public derivation accepts pandas, polars or numpy record-array tables
(:data:`rtio.frames.FrameLike`) and returns pandas; categories and default windows come from
:mod:`rtio.vocabulary`."""

__all__ = [
    "adverse_events",
    "ctcae",
    "exposure",
    "irecist",
    "lesions_rt",
    "populations",
    "radiotherapy",
    "recist",
    "recist_bor",
    "recist_input",
    "response_endpoints",
    "rt_compliance",
    "tte",
]

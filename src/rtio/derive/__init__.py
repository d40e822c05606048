"""Derivations from study tables: RECIST 1.1 / iRECIST response, CTCAE grading, RT dose,
time-to-event endpoints and analysis populations (CDISC ADaM-style tables)."""

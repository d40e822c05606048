"""The web data-capture service (``rtio serve``): forms from the protocol and the study schema,
enrolment with eligibility, concealed randomization, roles and sites, a hash-chained audit trail,
queries, e-signatures and frozen data cuts.

Built on Django (auth, sessions, CSRF, forms, migrations). Settings are made at run time from a
database URL (:func:`rtio.capture.config.configure`), so the same code serves an embedded SQLite
file or a team's PostgreSQL server. Rules are not written here: validation comes from
:mod:`rtio.io`, eligibility from :mod:`rtio.eligibility`, randomization from :mod:`rtio.design`.
"""

from rtio.capture.config import DEFAULT_DATABASE, configure, database_settings

__all__ = ["DEFAULT_DATABASE", "configure", "database_settings"]

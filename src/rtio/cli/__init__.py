"""The ``rtio`` command line: one module per command group, assembled in :mod:`rtio.cli.main`."""

__all__: list[str] = []  # the command itself is rtio.cli.main:app

"""The ``rtio`` command line: one module per command group, assembled in :mod:`rtio.cli.main`."""

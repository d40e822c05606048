"""rtio: radiotherapy + immunotherapy oncology studies end to end."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``rtio.__version__``, read from the installed metadata on first use (keeps start-up quick)."""
    if name != "__version__":
        raise AttributeError(f"module 'rtio' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("rtio")
    except PackageNotFoundError:  # running from a source tree without installation
        found = "0.0.0+source"
    globals()["__version__"] = found
    return found

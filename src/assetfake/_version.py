"""The installed version of assetfake, read from its package metadata."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: What ``__version__`` is when no metadata can be found (the source tree used without being
#: installed): a valid PEP 440 version that sorts below every release.
UNKNOWN_VERSION = "0+unknown"


def installed_version() -> str:
    """The version of the installed ``assetfake`` distribution, or :data:`UNKNOWN_VERSION`."""
    try:
        return version("assetfake")
    except PackageNotFoundError:
        return UNKNOWN_VERSION


__version__ = installed_version()

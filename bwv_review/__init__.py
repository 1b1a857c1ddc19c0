"""bwv-review: evidence review for police body-worn video."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bwv-review")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

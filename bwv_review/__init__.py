"""bwv-review: evidence review for police body-worn video."""


def __getattr__(name: str):
    # The version is read from the installed metadata only when asked for: importlib.metadata
    # costs ~20 ms, a tenth of the window's start-up.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("bwv-review")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0.0.0+unknown"
    raise AttributeError(name)

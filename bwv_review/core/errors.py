"""Errors meant for people.

A ``ReviewError`` carries one clear sentence that the CLI prints on stderr (exit 2) and
the GUI shows in a dialog. Anything else escaping is a bug.
"""


class ReviewError(Exception):
    """Bad input or a file the tool cannot use; ``str(err)`` is shown to the reviewer."""


class FootageError(ReviewError):
    """A footage file that cannot be read as video."""


class CaseFileError(ReviewError):
    """A case file that cannot be opened or written safely."""


class Cancelled(Exception):  # noqa: N818 - reads better at call sites than CancelledError
    """Long work stopped because the reviewer asked it to."""


NOT_TEXT = ("The change holds characters that are not valid text (an unpaired surrogate, as left by bytes "
            "that were not UTF-8); nothing was saved.")

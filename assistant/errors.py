"""One small hierarchy of errors: front ends catch `CorguideError` and print its message.

Anything that is the user's fault (bad input, a broken corpus file, a missing index) raises a
subclass with a one-line message that says what to do; front ends never show a traceback for it.
"""


class CorguideError(Exception):
    """Base class: the message is shown to the user as it is, on one line."""

    exit_code = 2


class InputError(CorguideError, ValueError):
    """A question, jurisdiction, worker count, score or date that cannot be used."""


class MissingInputError(InputError):
    """A figure a calculation needs was not given (the tool can still state its terms)."""


class CorpusError(CorguideError):
    """A corpus or rules file that cannot be loaded (the message names the file and line)."""


class IndexMissingError(CorguideError):
    """The vector index has not been built, or was built from another corpus."""


class IndexIncompleteError(IndexMissingError):
    """The first ingest into this index stopped before it finished: its marker is missing."""


class DataDirError(CorguideError):
    """The data dir cannot be used: not a folder, not reachable, or not writable."""


class IndexCorruptError(CorguideError):
    """The vector index exists but cannot be read."""


class ModelError(CorguideError):
    """The embedding model or the configured chat model cannot be loaded."""

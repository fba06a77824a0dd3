"""Keep Gradio's own files inside corguide's data dir; import this before gradio.

Gradio writes uploads, deep links and its edit history under ``GRADIO_TEMP_DIR``
(``/tmp/gradio`` by default). Part of that path is read when gradio is imported and the rest
when the server starts, so the default is set on import here and again by `ui.app.launch`
with the settings it serves. An explicit ``GRADIO_TEMP_DIR`` is left alone.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from assistant.errors import CorguideError
from assistant.settings import get_settings

GRADIO_TEMP_ENV = "GRADIO_TEMP_DIR"


def keep_gradio_files_in(data_dir: Path) -> None:
    """Make ``<data_dir>/gradio`` Gradio's folder unless ``GRADIO_TEMP_DIR`` is already set."""
    os.environ.setdefault(GRADIO_TEMP_ENV, str(Path(data_dir).resolve() / "gradio"))


with contextlib.suppress(CorguideError):  # a bad CORGUIDE_* value is reported where it is used
    keep_gradio_files_in(get_settings().data_dir)

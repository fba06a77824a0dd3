"""``python -m assistant.cli``: the same CLI as the ``corguide`` command."""

from assistant.cli.main import main

main()

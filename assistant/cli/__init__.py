"""The `corguide` command line: the main commands, the tool commands and `doctor`."""

"""Loaded by Python at start-up when this folder is on PYTHONPATH: refuse non-loopback sockets.

Tests that run the CLI or the app in a subprocess put this folder on PYTHONPATH, so the child
process is held to the same rule as the test process: any outbound connection attempt raises
and is appended to the file named by CORGUIDE_NETGUARD_LOG.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from netguard_core import install  # noqa: E402

install(os.environ.get("CORGUIDE_NETGUARD_LOG"))

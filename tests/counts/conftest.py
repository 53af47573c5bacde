"""The fixtures of counts_service.py, for every test in this folder, with
tests/support (khung_process) on the path first."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support"))

from counts_service import backend, postgres, services, templates  # noqa: E402,F401 (fixtures)

"""The fixtures of counts_service.py, for every test in this folder."""
from counts_service import backend, postgres, services, templates  # noqa: F401 (fixtures)

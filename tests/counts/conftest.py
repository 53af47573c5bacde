"""The fixtures of service.py, for every test in this folder."""
from service import backend, postgres, services, templates  # noqa: F401 (fixtures)

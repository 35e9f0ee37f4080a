"""The ``postgres`` / ``pg_dsn`` fixtures moved to tests/conftest.py (shared with tests/storage)."""

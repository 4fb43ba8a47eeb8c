"""Second outsider edition: reuses the first edition's world (app on a fresh SQLite file, CLI, outbox)."""

from tests.outsider.conftest import world

__all__ = ["world"]

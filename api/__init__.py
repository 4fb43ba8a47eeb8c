"""HTTP API of chaîne (FastAPI)."""

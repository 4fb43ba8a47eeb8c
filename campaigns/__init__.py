"""chaîne's core, one package per domain concept (docs/architecture.md has the map and the import rules, which are
import-linter contracts in pyproject.toml)."""

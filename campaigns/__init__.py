"""chaîne core: households, procedure stages, campaigns, sequences and dispatching."""

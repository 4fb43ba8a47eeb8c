"""The infrastructure layer: settings, the database engine and its dialect adapter, the channel port, errors,
structured logs, the garbage collector settings of service processes, run-time resource files, statistics,
CSV/XLSX cell safety, and long lists shown a page at a time with their free-text search.

Owns no business rule. May import: campaigns.locale only; every other package, and the channel adapters, may
import it.
"""

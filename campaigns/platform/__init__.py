"""The infrastructure layer: settings, the database engine and its dialect adapter, the channel port, errors,
structured logs, the garbage collector settings of service processes, run-time resource files, statistics and
CSV/XLSX cell safety.

Owns no business rule. May import: campaigns.locale only; every other package, and the channel adapters, may
import it.
"""

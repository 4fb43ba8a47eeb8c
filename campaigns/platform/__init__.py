"""The bottom layer: settings, the database engine and its dialect adapter, the channel port, errors, the clock
and working days (Europe/Paris), French text folding and formats, SMS encoding, statistics, resource files.

Owns no business rule. Imports nothing of chaîne: every other package, and the channel adapters, may import it.
"""

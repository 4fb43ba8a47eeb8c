"""`chaine demo`: an embedded run on SQLite with generated Loire-Atlantique households and a French summary.

May import: campaigns.runtime and the packages below it.
"""

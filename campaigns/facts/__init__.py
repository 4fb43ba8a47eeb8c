"""Daily facts without personal data, kept after the purge: household stays read from the live tables, response
attribution, building and storing the daily and monthly sums, closures.

May import: campaigns.models, campaigns.crypto, campaigns.platform.
"""

"""Who acts: partners and their API keys, web accounts and their administration, the workers of a structure, and
the audit log of personal data (who read, changed, exported or purged what).

May import: campaigns.models, campaigns.crypto, campaigns.platform.
"""

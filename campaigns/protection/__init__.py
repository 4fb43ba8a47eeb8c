"""Retention: the personal data of households closed for longer than their period are purged (and audited).

May import: campaigns.accounts, campaigns.models and the layers below.
"""

"""Personal data at rest: AES-256-GCM field encryption with key ids, keyed blind indexes, the column types that
apply them, where the keys come from, and key rotation.

May import: campaigns.platform.
"""

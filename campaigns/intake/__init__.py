"""Partners' pushes: parsing and checking each row in French, CSV files, import jobs and their reports, applying a
batch beside concurrent pushes, creating or updating cases and households, a partner's view of its own cases.

May import: campaigns.linkage, campaigns.queues' layer and below (planning, accounts, messages, models, crypto,
platform).
"""

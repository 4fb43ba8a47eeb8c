"""Partners' pushes: parsing and checking each row in French, CSV files, import jobs and their reports, applying a
batch beside concurrent pushes, creating or updating cases and households, a partner's view of its own cases, and
the households as the pages list them (a bailleur's own cases, the pilots' households and a campaign's contacts and
tasks, searched by name, reference or commune).

May import: campaigns.linkage, campaigns.queues' layer and below (planning, accounts, messages, models, crypto,
platform).
"""

"""Dry runs: the configured campaigns, or one draft, replayed on the current households without sending
anything, and the French table a Département reads.

May import: campaigns.queues, campaigns.planning, campaigns.messages and the layers below.
"""

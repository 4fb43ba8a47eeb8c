"""Delivering planned contacts: the tick's claims and the one path to a provider through the channel port, provider
outcomes and retries, contacts set aside, SMS events (receipts, replies, STOP), returned mail (NPAI) and the day's
print batches.

May import: campaigns.planning, campaigns.messages, campaigns.accounts and the layers below.
"""

"""The chain itself: stage moves, enrollment of households in campaigns (planned contacts are rows), coverage,
coordination (one letter per household and stage), the tick and delivery through the port, provider outcomes,
returned mail, SMS events, the DSF deadline chain, experiments' arms, print batches.

May import: campaigns.messages, campaigns.accounts, campaigns.models, campaigns.crypto, campaigns.platform.
Never imports linkage, intake, queues, campaign configuration, evaluation or channels.
"""

"""The chain itself: stage moves, enrollment of households in campaigns (planned contacts are rows), coverage,
coordination (one letter per household and stage), the authority rules over a shared household, procedure date
bounds, the DSF deadline chain, experiments' arms, landlords' answers. Delivering what is planned is
campaigns.delivery's.

May import: campaigns.messages, campaigns.accounts, campaigns.links, campaigns.models, campaigns.crypto,
campaigns.platform, campaigns.locale. Never imports linkage, intake, queues, delivery, campaign configuration,
evaluation or channels.
"""

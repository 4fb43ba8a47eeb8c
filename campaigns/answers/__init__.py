"""What a household answers through its link (docs/web.md, « Le lien de réponse »): the light check, then the
acknowledgement, the call-back request with a slot of the referent structure, new contact details, the structure
already following it, the SMS opt-out; each one a response on the channel "lien" with the household's own action as
evidence (campaigns/planning/authority.py), audited.

May import: campaigns.queues, campaigns.planning, campaigns.messages, campaigns.accounts, campaigns.links,
campaigns.models, campaigns.crypto, campaigns.platform (never a channel adapter: the SMS channel is passed in).
"""

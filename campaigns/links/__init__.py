"""The household's answer links (docs/web.md, « Le lien de réponse »): a token per letter, SMS and e-mail, kept as a
hash, tied to one household, one partner's case and one stage stay; issuing, finding and revoking them.

May import: campaigns.models, campaigns.crypto, campaigns.platform.
"""

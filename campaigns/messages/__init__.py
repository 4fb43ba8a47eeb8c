"""What a household reads: template resolution and rendering (Jinja2), composing a contact's message, FALC and
readability checks, each stage's mandatory content, previews and the pinned template versions.

May import: campaigns.models, campaigns.crypto, campaigns.platform.
"""

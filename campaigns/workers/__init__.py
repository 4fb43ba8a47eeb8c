"""The Celery application and its thin tasks (`chaine.tick`, `chaine.deliver_batch`, ...): each calls the runtime.
Celery only executes; the database decides.

May import: campaigns.runtime, campaigns.platform.
"""

"""The composition root, shared by the web application, the command line and the Celery workers: settings,
sessions, the clock, the channel adapters (the only place that picks them), job submission (Celery factory), the
schema migrations.

May import: every application and domain package, and channels.
"""

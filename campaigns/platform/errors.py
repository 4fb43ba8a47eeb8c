"""Domain exceptions shared by services, the API and the CLI (messages in French, read by users)."""


class NotFoundError(LookupError):
    """`get_x()` found nothing (the API answers 404)."""


class ValidationError(ValueError):
    """Input refused as a whole, with a French message saying what and where."""


class StartupError(RuntimeError):
    """A process cannot start (bad setting, database not migrated): one French sentence, no traceback."""

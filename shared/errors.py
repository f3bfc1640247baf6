"""Errors that services raise and every interface (API, UI, commands) reports the same way.

Field problems are Django's ``ValidationError`` (a dict of field → messages); a request
that clashes with existing data is a ``Conflict`` (HTTP 409).
"""


class Conflict(Exception):
    """The request is valid but clashes with the current state (HTTP 409)."""

    def __init__(self, message, *, code: str = "conflict", fields=None, link: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.fields = fields or {}
        self.link = link

import logging


class DropRequestFilter(logging.Filter):
    """Remove the request from log records before any handler sees it.

    Django attaches the request to records of `django.request` and `django.server`; a
    formatter or error reporter could otherwise print its address, user agent or referrer.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        return True

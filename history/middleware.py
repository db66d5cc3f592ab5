import pghistory.middleware

from common.history import recording


class HistoryMiddleware(pghistory.middleware.HistoryMiddleware):
    """pghistory's: each request's changes carry the signed-in user and the URL; nothing on
    SQLite, which records no history (common/history.py)."""

    def __call__(self, request):
        if not recording():
            return self.get_response(request)
        return super().__call__(request)

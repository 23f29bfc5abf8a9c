"""Django's session, user and messages middleware, skipped for a token client's `/api/` requests.

A request under `/api/` without a session cookie is a client that authenticates with its token: it has no session to
load, no session user, no messages. Running the three anyway cost every such request CPU
(bench/README.md, "Browser middleware on token requests"). Django's CSRF middleware stays as it is: its check
(`security.W003`) asks for it by name, and for DRF's views, which are exempt, it only reads the cookie. With a session
cookie (the browsable API or Swagger in a browser logged in through the admin), and everywhere outside `/api/` (the
admin), they run as Django's own: these are subclasses of them, so the admin's checks find them where it expects them.
"""

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware

from core.middleware import API_PREFIX


def token_request(request) -> bool:
    """An `/api/` request without a session cookie: nothing a browser's session gives applies to it."""
    return request.path.startswith(API_PREFIX) and settings.SESSION_COOKIE_NAME not in request.COOKIES


class _BrowserOnly:
    def __call__(self, request):
        if token_request(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_BrowserOnly, DjangoSessionMiddleware):
    pass


class AuthenticationMiddleware(_BrowserOnly, DjangoAuthenticationMiddleware):
    pass


class MessageMiddleware(_BrowserOnly, DjangoMessageMiddleware):
    pass

"""The WSGI handler the servers run: Django's, with each path's URL resolution kept (decision 0029).

Django resolves a request's path by walking the URL patterns in order, through every app's router, on every request:
the largest single piece left in a page of movements once its statements were kept (bench/README.md, "Paths resolved
once"). What a path resolves to depends only on the path and the URL configuration, which is fixed once the process has
started, so the `ResolverMatch` of each path is kept and handed to the next request for it. A path that matches nothing
raises `Resolver404` as before and is not kept; a request whose middleware chose another URL configuration
(`request.urlconf`) is resolved by Django as always. The kept matches are bounded (`MAX_PATHS` per process, then the
store starts afresh) and shared between threads: nothing here, in Django or in DRF changes a match after it is made
(views get a copy of its keyword arguments).
"""

from django.core.handlers.wsgi import WSGIHandler as DjangoWSGIHandler

MAX_PATHS = 4096

_matches: dict[str, object] = {}


class WSGIHandler(DjangoWSGIHandler):
    def resolve_request(self, request):
        if hasattr(request, "urlconf"):
            return super().resolve_request(request)
        path = request.path_info
        match = _matches.get(path)
        if match is None:
            match = super().resolve_request(request)
            if len(_matches) >= MAX_PATHS:
                _matches.clear()
            _matches[path] = match
        else:
            request.resolver_match = match
        return match


def clear() -> None:
    _matches.clear()

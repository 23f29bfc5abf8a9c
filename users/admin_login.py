"""The admin's login form, throttled like `POST /api/auth/login/` (per username and per address).

An admin session authenticates the API too, so an unthrottled admin login would be a way around the API's. The
counters are the API's own (same scopes and keys): ten wrong passwords for one username, through either door,
throttle both.
"""

from django.contrib import admin
from django.http import HttpResponse
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request

from users.throttles import LOGIN_THROTTLES


def admin_login(request, extra_context=None):
    if request.method == "POST":
        # DRF hands the parsed form back to request.POST, so the admin's own view still reads it.
        api_request = Request(request, parsers=[FormParser(), MultiPartParser()])
        for throttle_class in LOGIN_THROTTLES:
            throttle = throttle_class()
            if not throttle.allow_request(api_request, None):
                wait = int(throttle.wait() or 0) + 1
                text = f"Too many login attempts. Try again in {wait} seconds."
                return HttpResponse(text, status=429, content_type="text/plain", headers={"Retry-After": str(wait)})
    return admin.site.login(request, extra_context)

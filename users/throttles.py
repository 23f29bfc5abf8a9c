from core.throttles import SimpleRateThrottle


class LoginRateThrottle(SimpleRateThrottle):
    """At most `DEFAULT_THROTTLE_RATES["login"]` login attempts per username, whoever makes them.

    Keyed by the submitted username (case-folded), so guessing one account's password from many addresses is
    throttled too; a request without a username is keyed by the client address.
    """

    scope = "login"

    def get_cache_key(self, request, view):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if isinstance(username, str) and username.strip():
            ident = username.strip().casefold()
        else:
            ident = f"address:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginAddressRateThrottle(SimpleRateThrottle):
    """At most `DEFAULT_THROTTLE_RATES["login_address"]` login attempts per client address, whatever the usernames
    (one address trying many accounts).
    """

    scope = "login_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


LOGIN_THROTTLES = (LoginRateThrottle, LoginAddressRateThrottle)

"""JWT authentication whose user comes from `core.authstate`: no database round trip while the user is unchanged."""

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import aware_utcnow

from core import authstate
from core.throttling import UserRateThrottle

MAX_VALIDATED_TOKENS = 10_000
_validated_tokens: dict[bytes, object] = {}


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's checks (signature, expiry, user found and active) with the user kept between requests.

    The user throttle's counter is incremented in the same Redis round trip as the version check and handed to
    the throttle on the request (`redis_counts`).
    """

    def authenticate(self, request):
        self.request = request
        return super().authenticate(request)

    def get_validated_token(self, raw_token):
        """The token as validated when this process first saw these exact bytes, if it has not expired since.

        Decoding checks the signature and parses the claims: the same bytes always give the same claims, and an
        access token is never revoked by itself (a dismissal refuses its user), so only its expiry is checked again.
        """
        token = _validated_tokens.get(raw_token)
        if token is not None:
            try:
                token.check_exp(current_time=aware_utcnow())
                return token
            except TokenError:
                del _validated_tokens[raw_token]  # expired: simplejwt's own validation says so below
        token = super().get_validated_token(raw_token)
        if len(_validated_tokens) >= MAX_VALIDATED_TOKENS:
            _validated_tokens.clear()
        _validated_tokens[raw_token] = token
        return token

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as error:
            raise InvalidToken("Token contained no recognizable user identification") from error
        counters = _throttle_counters(self.request, user_id)
        user, counts = authstate.authenticated_user(
            user_id, lambda: super(JWTAuthentication, self).get_user(validated_token), counters=counters
        )
        self.request.redis_counts = counts
        return user


def _throttle_counters(request, user_id) -> list[tuple[str, int]]:
    view = (getattr(request, "parser_context", None) or {}).get("view")
    counters = []
    for throttle_class in getattr(view, "throttle_classes", ()):
        if issubclass(throttle_class, UserRateThrottle):
            counter = throttle_class().counter(user_id)
            if counter is not None:
                counters.append(counter)
    return counters

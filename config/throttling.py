from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def client_address(request) -> str:
    """The client's address as every limit sees it: X-Forwarded-For is believed for exactly NUM_PROXIES proxies.
    Also django-axes' AXES_CLIENT_IP_CALLABLE, so that sign-in lockouts count the same address."""
    return BaseThrottle().get_ident(request)


class ClientAddressRateThrottle(SimpleRateThrottle):
    """Limits every API request by the client's address (X-Forwarded-For aware via NUM_PROXIES).

    Counters live in the default cache, which is Redis, so all server processes share them.
    """

    scope = "client_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

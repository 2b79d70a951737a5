from rest_framework.throttling import SimpleRateThrottle


class ClientAddressRateThrottle(SimpleRateThrottle):
    """Limits every API request by the client's address (X-Forwarded-For aware via NUM_PROXIES).

    Counters live in the default cache, which is Redis, so all server processes share them.
    """

    scope = "client_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

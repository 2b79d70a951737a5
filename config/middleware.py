"""Small response details every HTTP client may rely on."""

from django.utils.http import http_date


class DateHeaderMiddleware:
    """Adds the `Date` header (RFC 9110 says an origin server with a clock must send it). daphne does not, and
    clients use it to judge their own clock and cache lifetimes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Date" not in response:
            response["Date"] = http_date()
        return response

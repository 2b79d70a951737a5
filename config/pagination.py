"""The one pagination of every API list: limit/offset, with a ceiling on the page size."""

from rest_framework.pagination import LimitOffsetPagination

# The SPA asks for 200 rows at a time; nothing needs more in one page. Without a ceiling `?limit=` reached the
# database as it was, and a number past PostgreSQL's bigint was a 500.
MAX_PAGE_SIZE = 200


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` above MAX_PAGE_SIZE gives MAX_PAGE_SIZE rows; a limit or offset that is not a positive whole
    number falls back to the default (DRF's own handling)."""

    max_limit = MAX_PAGE_SIZE

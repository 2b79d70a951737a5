"""The public horse list, served from the cache between catalogue changes.

On a sale day the catalogue is the most-read page and changes only when an organizer edits it. Every change to a
horse, a photo or a document bumps one version number after it commits, and each cached page is filed under the
version it was built from, so no page outlives the edit that made it stale.
"""

from django.core.cache import cache
from django.db import transaction
from django.utils import translation

VERSION_KEY = "horses:catalogue:version"
PAGE_SECONDS = 300  # a bound on memory, not on staleness: the version decides that


def catalogue_version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there (evicted or flushed): any new number will do
        cache.set(VERSION_KEY, 2, timeout=None)


def catalogue_changed(**_signal) -> None:
    """Receiver for the catalogue models' save and delete signals. Bumps at once, so this request and its
    transaction's own reads never see an older page, and again after the commit, so a page that another request
    built from the pre-commit rows in between is dropped too."""
    _bump()
    transaction.on_commit(_bump, robust=True)


def page_key(request) -> str:
    """One entry per catalogue version, language (display names), host (absolute photo URLs) and query string."""
    return ":".join(
        (
            "horses:list",
            str(catalogue_version()),
            translation.get_language() or "",
            request.get_host(),
            request.GET.urlencode(),
        )
    )


def cached_page(request, build) -> dict:
    key = page_key(request)
    page = cache.get(key)
    if page is None:
        page = build()
        cache.set(key, page, PAGE_SECONDS)
    return page

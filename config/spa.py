"""Serves the built Vue app's index.html for every client-side route (history-mode fallback)."""

from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@lru_cache(maxsize=1)
def _built_index() -> str | None:
    index = settings.SPA_ROOT / "index.html"
    return index.read_text(encoding="utf-8") if index.exists() else None


@never_cache
def spa_index(request, path: str = ""):
    html = _built_index() if not settings.DEBUG else None
    if html is None and settings.DEBUG:
        index = settings.SPA_ROOT / "index.html"
        html = index.read_text(encoding="utf-8") if index.exists() else None
    if html is None:
        return render(request, "spa_missing.html", status=200)
    return HttpResponse(html)

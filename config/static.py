"""How WhiteNoise caches what it serves.

Files whose names carry a hash of their content never change, so browsers may keep them a year without asking
again: Django's manifest names under /static/ (WhiteNoise's own test) and Vite's `/assets/<name>-<hash>.<ext>` at the
site root. The SPA's entry points (index.html, the service worker) keep their names across deploys: browsers must
ask every time, or a deploy would leave them on the old version.
"""

import re

from whitenoise.middleware import WhiteNoiseMiddleware

# Rollup's default [hash] is 8 characters of base64url.
VITE_HASHED_ASSET = re.compile(r"^/assets/[^/]+-[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$")
REVALIDATE_ALWAYS = frozenset({"/index.html", "/sw.js", "/registerSW.js"})


class SpaWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    FOREVER = 365 * 24 * 60 * 60  # a year (WhiteNoise's default is ten): the longest cache HTTP caches honour

    def immutable_file_test(self, path, url):
        return bool(VITE_HASHED_ASSET.match(url)) or super().immutable_file_test(path, url)

    def add_cache_headers(self, headers, path, url):
        if url in REVALIDATE_ALWAYS:
            headers["Cache-Control"] = "no-cache"
        else:
            super().add_cache_headers(headers, path, url)

"""Container health check for the web service: GET /healthz on the local daphne, healthy only on 200.

The request carries a Host header that ALLOWED_HOSTS accepts (the first of DJANGO_ALLOWED_HOSTS), since the
container's own address is usually not in that list. /healthz is exempt from the HTTPS redirect.
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    first_host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
    host = first_host if first_host and first_host != "*" else "localhost"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (a fixed local http URL)
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as exc:  # 503: some part is down; the body says which
        print(exc.read().decode()[:2000], file=sys.stderr)
    except OSError as exc:
        print(f"no answer from daphne: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

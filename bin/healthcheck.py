"""Container health check: exit 0 when the local gunicorn answers GET /healthz with status ok.

The Dockerfile's HEALTHCHECK and docker-compose.yml run it. Standard library only, so a probe
never pays for loading Django. Django checks the Host header against DJANGO_ALLOWED_HOSTS, so the
probe sends HEALTHCHECK_HOST if set, otherwise the first allowed host (without the leading dot
of a subdomain wildcard), otherwise "localhost". /healthz is exempt from the HTTPS redirect; a
redirect is a failure here and is never followed, since following one could reach some other,
healthy, server behind the public name.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import urllib.request
from collections.abc import Mapping
from email.message import Message
from typing import IO

URL = "http://127.0.0.1:8000/healthz"
TIMEOUT_SECONDS = 4


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> None:
        return None  # urllib then raises HTTPError for the 3xx response


def probe_host(environ: Mapping[str, str] = os.environ) -> str:
    explicit = environ.get("HEALTHCHECK_HOST", "").strip()
    if explicit:
        return explicit
    for entry in environ.get("DJANGO_ALLOWED_HOSTS", "").split(","):
        host = entry.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def check(url: str = URL, host: str | None = None) -> bool:
    request = urllib.request.Request(url, headers={"Host": host or probe_host()})  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            body = json.load(response)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return False
    if not isinstance(body, dict) or body.get("status") != "ok":
        print(f"unhealthy: {body!r}", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(0 if check() else 1)

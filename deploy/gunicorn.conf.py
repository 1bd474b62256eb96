"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py project.wsgi` (see docs/DEPLOY.md).

Every value can be overridden from the environment (GUNICORN_*), so one file serves every machine.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from gunicorn.glogging import Logger

# A ballot's URL is the ballot's only secret (docs/SECURITY.md, "Known limits", 3): keep it out of the log.
BALLOT_PREFIX = "/evaluations/ballot/"


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, with the token of every ballot URL replaced in the access log."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        if str(environ.get("PATH_INFO", "")).startswith(BALLOT_PREFIX):
            path = BALLOT_PREFIX + "…/"
            atoms.update(
                U=path, q="", f="-", r=f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
            )
        return atoms


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the views are short and database-bound. 2 × cores + 1 is gunicorn's own rule of thumb.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Import the application (project/wsgi.py, which also loads every view, page template and translation catalogue:
# project/warm.py) once in the master, before the workers are forked: a new worker, and each one replacing a
# recycled worker (max_requests), answers at once instead of spending its first requests on loading them. A code
# change therefore needs a restart of the service, not a HUP (docs/DEPLOY.md).
preload_app = True
# PDFs, identification and batch circulars run in Celery, so no request should take long; a stuck one is killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (a slow leak in a library must not grow forever); jitter avoids all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Uploads are capped by Django (DJANGO_MAX_UPLOAD_BYTES); the proxy in front should cap them too.
limit_request_line = 8190
# The proxy in front (nginx) terminates TLS and sets X-Forwarded-Proto; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
logger_class = RedactingLogger
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "lyingflat-web"
# gunicorn's control socket (a Unix socket in $HOME) is not used here, and two servers on one machine
# (the smoke test beside a developer's) would fight over its path.
control_socket_disable = True

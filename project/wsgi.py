import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
application = get_wsgi_application()

# Import the URLconf, and with it every view module, now rather than in the first request: Django does it lazily,
# and that first request waited about half a second. gunicorn preloads this module (deploy/gunicorn.conf.py), so
# its workers, forked after, start with the views imported — also each one that replaces a recycled worker.
get_resolver().url_patterns  # noqa: B018 (the attribute is read for its side effect: the import)

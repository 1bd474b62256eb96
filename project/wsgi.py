import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
application = get_wsgi_application()

# gunicorn preloads this module (deploy/gunicorn.conf.py): what warm_up loads is in memory before the workers are
# forked, so that no user waits for it (project/warm.py).
from project.warm import warm_up  # noqa: E402 (the settings must be configured first)

warm_up()

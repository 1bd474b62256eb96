# Load Celery with Django so that `.delay()` uses the configured broker, not amqp://localhost.
from .celery import app as celery_app

__all__ = ("celery_app",)

"""Imported by a test worker (`celery worker --include tests.ops.worker_kinds`): registers the test kinds."""

from tests.ops.blocking import register

register()

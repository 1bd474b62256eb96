"""deploy/gunicorn.conf.py: the access log never carries a ballot token (a ballot URL is its only secret)."""

from __future__ import annotations

import runpy
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from gunicorn.config import Config

CONF = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"
TOKEN = "Zx9fQ2mK7pL4rT8w"


def _access_line(path: str) -> str:
    conf = runpy.run_path(str(CONF))
    logger = conf["RedactingLogger"](Config())
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://example.invalid{path}",
    }
    response = SimpleNamespace(status="302 Found", headers=[], sent=0)
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=12))
    return str(Config().access_log_format % atoms)


def test_the_access_log_leaves_out_ballot_tokens() -> None:
    line = _access_line(f"/evaluations/ballot/{TOKEN}/")
    assert TOKEN not in line
    assert "/evaluations/ballot/…/" in line


def test_the_access_log_keeps_other_paths() -> None:
    assert "/cases/7/" in _access_line("/cases/7/")


def test_production_uses_the_redacting_logger() -> None:
    assert runpy.run_path(str(CONF))["logger_class"].__name__ == "RedactingLogger"


def test_the_application_its_views_templates_and_translations_are_loaded_before_the_workers_fork() -> None:
    # preload_app imports project.wsgi in the master; project.wsgi warms up (project/warm.py), so that a new or
    # recycled worker's first request does not wait for the views, the templates or the catalogues to load.
    assert runpy.run_path(str(CONF))["preload_app"] is True
    check = """
import sys, project.wsgi
from django.template import engines
from django.utils.translation import trans_real
cached = engines["django"].engine.template_loaders[0].get_template_cache
print("cases.rectification.views" in sys.modules, "evaluations.views" in sys.modules)
print("evaluations/ballot.html" in cached, "cases/rectification/list.html" in cached, "pdf/circular.html" in cached)
print("zh-hans" in trans_real._translations, "en" in trans_real._translations)
"""
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "False", "True", "True"]

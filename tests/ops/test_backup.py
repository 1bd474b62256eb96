"""`manage.py backup` and `manage.py restore`: the round trip, on whichever database the suite runs on.

The suite runs twice (SQLite, then PostgreSQL), so these tests cover both: pg_dump/pg_restore in the
PostgreSQL pass, SQLite's backup API in the other. The restore runs as a real command in another process
against a new database, and the restored rows are counted straight from that database.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from project.celery import app as celery_app
from project.documents.models import Document, DocumentStatus
from project.documents.services import document_request
from tests.conftest import Personas
from tests.worker import database_url_of_test_db


def _counts_at(url: str) -> dict[str, int]:
    """Rows per table, read directly from the database at `url` (not through the code under test)."""
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return {
                n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names if not n.startswith("sqlite_")
            }
        finally:
            db.close()
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as db:
        names = [r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}  # type: ignore[index]


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def target_url(transactional_db: None, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the suite's kind, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield database_url_of_test_db().rsplit("/", 1)[0] + f"/{name}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(*args: str, database_url: str, var_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def site_with_a_document(personas: Personas) -> Document:
    """The personas plus one rendered document (a row and a media file), rendered inline."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        document = document_request(actor=personas.alice, kind="demo", obj=personas.carl_cadre, title="样例")
    finally:
        celery_app.conf.task_always_eager = saved
    document.refresh_from_db()
    assert document.status == DocumentStatus.RENDERED, document.error
    return document


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_new_database_with_the_same_rows_files_and_an_intact_audit_chain(
    site_with_a_document: Document, target_url: str, tmp_path: Path, media_root: Path
) -> None:
    archive = tmp_path / "site.tar"
    call_command("backup", str(archive), stdout=open(tmp_path / "backup.log", "w"))  # noqa: SIM115
    source_counts = _counts_at(database_url_of_test_db())
    source_files = _files(media_root)
    assert source_counts["audit_auditevent"] > 0
    assert source_counts["documents_document"] == 1
    assert len(source_files) == 1

    restored_var = tmp_path / "restored-var"
    restore = _manage("restore", str(archive), database_url=target_url, var_dir=restored_var)
    assert restore.returncode == 0, restore.stderr

    assert _counts_at(target_url) == source_counts
    assert _files(restored_var / "media") == source_files
    verify = _manage("verify_audit", database_url=target_url, var_dir=restored_var)
    assert verify.returncode == 0, verify.stderr
    assert f"{source_counts['audit_auditevent']} events verified" in verify.stdout

    # A second restore onto what is now a full database is refused, then allowed with --force.
    again = _manage("restore", str(archive), database_url=target_url, var_dir=restored_var)
    assert again.returncode != 0
    assert "not empty" in again.stderr
    forced = _manage("restore", str(archive), "--force", database_url=target_url, var_dir=restored_var)
    assert forced.returncode == 0, forced.stderr
    assert _counts_at(target_url) == source_counts
    assert _files(restored_var / "media") == source_files
    assert _manage("verify_audit", database_url=target_url, var_dir=restored_var).returncode == 0


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_has_tables(personas: Personas, tmp_path: Path, settings: Any) -> None:
    archive = tmp_path / "site.tar"
    call_command("backup", str(archive), stdout=open(tmp_path / "backup.log", "w"))  # noqa: SIM115
    before = _counts_at(database_url_of_test_db())

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))

    assert _counts_at(database_url_of_test_db()) == before


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_media_folder_that_has_files(
    tmp_path: Path, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "site.tar"
    call_command("backup", str(archive), stdout=open(tmp_path / "backup.log", "w"))  # noqa: SIM115
    media_root.mkdir(parents=True, exist_ok=True)
    (media_root / "keep.txt").write_text("mine")
    # An empty database, so that only the media folder can be the reason.
    monkeypatch.setattr(connection.introspection, "table_names", lambda *args, **kwargs: [])

    with pytest.raises(CommandError, match="media folder"):
        call_command("restore", str(archive))

    assert (media_root / "keep.txt").read_text() == "mine"


def test_backup_refuses_to_overwrite_an_existing_file(tmp_path: Path, db: None) -> None:
    archive = tmp_path / "site.tar"
    archive.write_text("an older backup")

    with pytest.raises(Exception, match="exists"):
        call_command("backup", str(archive))

    assert archive.read_text() == "an older backup"

"""Backup and restore of the whole site: the database and the media files, in one tar archive.

    manifest.json       format, database vendor, time, the row count of every table
    database.dump       PostgreSQL: `pg_dump --format=custom` (restored with `pg_restore`)
    database.sqlite3    SQLite: a consistent copy made with sqlite3's online backup API
    media/...           MEDIA_ROOT: stored documents, attachments

The row counts are taken from the same snapshot as the dump, and `restore` checks the restored database
against them, so a restore that silently lost rows fails loudly. The archive is written under a temporary
name and renamed when complete: a crash never leaves a file that looks like a finished backup.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

FORMAT = 1
_MANIFEST = "manifest.json"
_PG_DUMP = "database.dump"
_SQLITE_COPY = "database.sqlite3"
_MEDIA = "media"


class BackupError(Exception):
    """The backup or restore cannot go ahead (or did not restore what the archive holds)."""


@dataclass(frozen=True)
class Manifest:
    format: int
    vendor: str
    created_at: str
    row_counts: dict[str, int]
    media_files: int


def backup_create(path: Path) -> Manifest:
    """Write the configured database and MEDIA_ROOT to the tar archive `path` (which must not exist).

    Raises BackupError for an existing `path` or an unsupported database, and CalledProcessError when
    pg_dump fails.
    """
    if path.exists():
        raise BackupError(f"{path} exists; choose a new file name")
    vendor = connection.vendor
    with tempfile.TemporaryDirectory(prefix="backup-") as scratch:
        work = Path(scratch)
        if vendor == "postgresql":
            database_file, counts = work / _PG_DUMP, _dump_postgres(work / _PG_DUMP)
        elif vendor == "sqlite":
            database_file, counts = work / _SQLITE_COPY, _copy_sqlite(work / _SQLITE_COPY)
        else:
            raise BackupError(f"cannot back up a {vendor} database")
        media_root = Path(settings.MEDIA_ROOT)
        media_files = _count_files(media_root)
        manifest = Manifest(FORMAT, vendor, timezone.now().isoformat(), counts, media_files)
        (work / _MANIFEST).write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True))
        partial = path.with_name(path.name + ".part")
        with tarfile.open(partial, "w") as archive:
            archive.add(work / _MANIFEST, arcname=_MANIFEST)
            archive.add(database_file, arcname=database_file.name)
            if media_root.is_dir():
                archive.add(media_root, arcname=_MEDIA)
        partial.replace(path)
    return manifest


def backup_restore(path: Path, *, force: bool = False) -> Manifest:
    """Restore an archive written by `backup_create` into the configured database and MEDIA_ROOT.

    Requires a target without tables and a MEDIA_ROOT without files, unless `force` (which replaces them).
    Raises BackupError for a missing or foreign archive, a non-empty target, a different database vendor,
    or restored row counts that differ from the archive's.
    """
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    vendor = connection.vendor
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="restore-") as scratch:
        work = Path(scratch)
        with tarfile.open(path, "r") as archive:
            # The "data" filter refuses absolute paths, links out of the folder and device files.
            archive.extractall(work, filter="data")
        manifest = _read_manifest(work / _MANIFEST)
        if manifest.vendor != vendor:
            raise BackupError(f"the archive holds a {manifest.vendor} database; this site uses {vendor}")
        if not force:
            tables = connection.introspection.table_names()
            if tables:
                raise BackupError(
                    f"the target database is not empty ({len(tables)} tables); restore into a new database "
                    "or pass --force to replace it"
                )
            if _count_files(media_root):
                raise BackupError(f"the media folder {media_root} holds files; empty it or pass --force")
        if vendor == "postgresql":
            _restore_postgres(work / _PG_DUMP, replace=force)
        else:
            _restore_sqlite(work / _SQLITE_COPY)
        _restore_media(work / _MEDIA, media_root)
    restored = row_counts()
    if restored != manifest.row_counts:
        differing = sorted(
            t for t in set(restored) | set(manifest.row_counts) if restored.get(t) != manifest.row_counts.get(t)
        )
        raise BackupError(f"restored row counts differ from the archive's in: {', '.join(differing)}")
    return manifest


def row_counts() -> dict[str, int]:
    """Rows per table of the configured database (every table, Django's own included)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a table name
            counts[table] = cursor.fetchone()[0]
    return counts


def _read_manifest(path: Path) -> Manifest:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        manifest = Manifest(**data)
    except (OSError, ValueError, TypeError) as error:
        raise BackupError(f"not an archive written by `manage.py backup`: {error}") from error
    if manifest.format != FORMAT:
        raise BackupError(f"unknown archive format {manifest.format}")
    return manifest


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    params = connection.settings_dict
    command = [program, "--dbname", params["NAME"]]
    if params.get("HOST"):
        command += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        command += ["--port", str(params["PORT"])]
    if params.get("USER"):
        command += ["--username", str(params["USER"])]
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return command, env


def _dump_postgres(target: Path) -> dict[str, int]:
    # The counts and the dump must describe the same moment: count inside a repeatable-read transaction
    # and hand its snapshot to pg_dump.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts = row_counts()
        command, env = _pg_command("pg_dump")
        subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [*command, "--format=custom", "--no-owner", "--snapshot", snapshot, "--file", str(target)],
            env=env,
            check=True,
        )
    return counts


def _restore_postgres(dump: Path, *, replace: bool) -> None:
    if replace:
        # Everything the site owns lives in the public schema: tables, sequences, the audit trigger functions.
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    command, env = _pg_command("pg_restore")
    subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        [*command, "--no-owner", "--exit-on-error", "--single-transaction", str(dump)], env=env, check=True
    )


def _copy_sqlite(target: Path) -> dict[str, int]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent state even while other processes write (WAL).
        connection.connection.backup(copy)
        counts = {}
        tables = [
            row[0]
            for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ]
        for table in sorted(tables):
            counts[table] = copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
    finally:
        copy.close()
    return counts


def _restore_sqlite(copy: Path) -> None:
    connection.close()
    source = sqlite3.connect(copy)
    target = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        source.backup(target)  # replaces the target database as a whole, page by page
    finally:
        target.close()
        source.close()


def _restore_media(source: Path, media_root: Path) -> None:
    if media_root.is_dir():
        shutil.rmtree(media_root)
    if source.is_dir():
        shutil.copytree(source, media_root)
    else:
        media_root.mkdir(parents=True, exist_ok=True)


def _count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder)) if folder.is_dir() else 0

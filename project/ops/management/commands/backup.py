from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from project.ops.backup import backup_create


class Command(BaseCommand):
    help = "Write the database (pg_dump custom format, or SQLite's backup API) and the media files to one archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the archive to write (a .tar file); must not exist")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        manifest = backup_create(path)
        rows = sum(manifest.row_counts.values())
        self.stdout.write(
            f"Backup written to {path}: {manifest.vendor} database, {len(manifest.row_counts)} tables, "
            f"{rows} rows, {manifest.media_files} media files."
        )

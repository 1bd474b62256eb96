from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from project.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `backup` into the configured database and media folder. "
        "Refuses a database that has tables or a media folder that has files, unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="an archive written by `manage.py backup`")
        parser.add_argument(
            "--force", action="store_true", help="replace whatever the target database and media folder hold"
        )

    def handle(self, *args: Any, path: Path, force: bool, **options: Any) -> None:
        try:
            manifest = backup_restore(path, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest.row_counts.values())
        self.stdout.write(
            f"Restored {path}: {len(manifest.row_counts)} tables, {rows} rows (counts checked), "
            f"{manifest.media_files} media files. Run `manage.py verify_audit` next."
        )

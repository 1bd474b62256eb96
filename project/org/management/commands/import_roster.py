"""`manage.py import_roster FILE [--unit CODE] [--dry-run]`: the roster import for operators and scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from project.org.models import Unit
from project.org.roster_import import RosterFileError
from project.org.services import roster_import


class Command(BaseCommand):
    help = (
        "Import a roster file (CSV or XLSX, header in Chinese or English). All or nothing: any bad row "
        "stops the import and is listed with its row and column. Cadres are matched by cadre id, so a "
        "re-import updates them. Runs as the system (no org_admin scope); --unit narrows it to a subtree."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the .csv or .xlsx file")
        parser.add_argument(
            "--unit",
            metavar="CODE",
            help="only units inside this unit's subtree may appear; rows without a unit code go here",
        )
        parser.add_argument("--dry-run", action="store_true", help="check everything and write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        limit: int = settings.MAX_UPLOAD_BYTES
        if path.stat().st_size > limit:
            raise CommandError(
                _("The file is larger than %(limit)s bytes (DJANGO_MAX_UPLOAD_BYTES); split it.") % {"limit": limit}
            )
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(_("No unit has the code “%(code)s”.") % {"code": options["unit"]})

        try:
            result = roster_import(
                actor=None, content=path.read_bytes(), filename=path.name, unit=unit, dry_run=options["dry_run"]
            )
        except RosterFileError as error:
            raise CommandError(str(error)) from None

        if not result.ok:
            for issue in sorted(result.issues, key=lambda issue: issue.row):
                column = issue.column or "—"
                self.stderr.write(
                    _("row %(row)s, column %(column)s: %(message)s")
                    % {"row": issue.row, "column": column, "message": issue.message}
                )
            count = len(result.issues)
            message = ngettext(
                "%(count)s problem found; nothing was imported.",
                "%(count)s problems found; nothing was imported.",
                count,
            )
            raise CommandError(message % {"count": count})

        for column in result.ignored_columns:
            self.stderr.write(_("Column ignored (not recognised): %(column)s") % {"column": column})
        counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        if result.dry_run:
            self.stdout.write(
                _("Dry run, nothing written: %(created)s to create, %(updated)s to update, %(unchanged)s unchanged.")
                % counts
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Roster imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % counts
                )
            )

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from project.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at event {report.broken_at}: {report.problem} "
                f"({report.checked} events before it verified).",
                returncode=1,
            )
        self.stdout.write(f"Audit chain intact: {report.checked} events verified.")

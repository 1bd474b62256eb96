"""`manage.py seed_demo [--seed N] [--print-logins]`: the fictional city 示范市 for demos and manual testing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from project.org.demo import DEFAULT_SEED, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo city 示范市 (4 districts, ~40 units, ~600 cadres) and one login per role. "
        "Deterministic for a given --seed and idempotent: existing units, accounts and cadres are kept as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
        parser.add_argument(
            "--print-logins", action="store_true", help="print the demo usernames and passwords (debug mode only)"
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="seed even with DEBUG off (the demo accounts have published passwords: never on real data)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            # The personas' passwords are in the source: such accounts must never reach a real deployment.
            raise CommandError("seed_demo runs in debug mode only (DJANGO_DEBUG=1), or with --allow-production.")
        report = seed_demo(seed=options["seed"])
        plan = report.plan
        self.stdout.write(
            f"示范市 demo (seed {options['seed']}): "
            f"{len(plan.units)} units ({report.units_created} new), "
            f"{len(plan.cadres)} cadres ({report.cadres_created} new), "
            f"{len(plan.personas)} accounts ({report.users_created} new), "
            f"{report.grants_created} role grants new."
        )
        if not report.changed:
            self.stdout.write("Nothing to do: the demo data is already there.")
        if not options["print_logins"]:
            return
        if not settings.DEBUG:
            self.stdout.write("Passwords are not printed outside debug mode (set DJANGO_DEBUG=1 to see them).")
            return
        unit_names = {unit.code: unit.name for unit in plan.units}
        rows = [("username", "password", "role", "unit")]
        rows += [
            (p.username, p.password, p.role or "cadre", f"{p.unit_code} {unit_names[p.unit_code]}")
            for p in plan.personas
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
            self.stdout.write("  ".join([*cells, row[3]]))

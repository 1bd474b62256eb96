"""`manage.py seed_demo_round`: a published evaluation round in the demo city (evaluations/demo.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluations.demo import DemoCityMissing, seed_demo_round


class Command(BaseCommand):
    help = "Run a demo evaluation round over the demo city's 东湖区 to published results (after seed_demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--allow-production", action="store_true", help="run outside debug mode anyway")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("seed_demo_round runs in debug mode only (DJANGO_DEBUG=1), or with --allow-production.")
        try:
            demo = seed_demo_round(seed=options["seed"])
        except DemoCityMissing:
            raise CommandError("The demo city is not there: run `manage.py seed_demo` first.") from None
        if not demo.created:
            self.stdout.write(f"Nothing to do: the demo round is already there (round {demo.round.pk}).")
            return
        self.stdout.write(
            f"Demo round {demo.round.pk} «{demo.round.title}»: {demo.ballots} peer ballots, "
            f"{demo.lying_flat} cadres drawn as lying flat; closed, identified and published."
        )

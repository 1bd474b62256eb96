"""`manage.py seed_round --cadres N --seed S [--units U] [--sheets K] [--json]`: a synthetic closed round.

Prints the round id and the ids of the genuinely lying-flat cadres (the truth identification should find);
the same seed builds the same ratings on any database. See evaluations/synthetic.py for the model.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluations.synthetic import seed_round


class Command(BaseCommand):
    help = "Build a closed evaluation round with synthetic, realistic ratings (for demos, tests and benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cadres", type=int, required=True, help="how many cadres (at least 2)")
        parser.add_argument("--seed", type=int, required=True, help="the random seed: same seed, same round")
        parser.add_argument("--units", type=int, default=None, help="how many sections (default: cadres / 20)")
        parser.add_argument("--sheets", type=int, default=8, help="peer sheets per cadre in larger sections")
        parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cadres"] < 2:
            raise CommandError("--cadres must be at least 2")
        if options["units"] is not None and options["units"] < 1:
            raise CommandError("--units must be at least 1")
        if options["sheets"] < 1:
            raise CommandError("--sheets must be at least 1")
        seeded = seed_round(
            cadres=options["cadres"], seed=options["seed"], units=options["units"], sheets=options["sheets"]
        )
        if options["json"]:
            payload = {
                "round_id": seeded.round.pk,
                "cadres": seeded.cadres,
                "units": seeded.units,
                "ballots_returned": seeded.ballots_returned,
                "peer_ratings": seeded.peer_ratings,
                "lying_flat": list(seeded.lying_flat),
                "lying_flat_external_ids": list(seeded.lying_flat_external_ids),
                "seconds": round(seeded.seconds, 2),
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write(f"round {seeded.round.pk}: {seeded.round.title}")
        self.stdout.write(
            f"{seeded.cadres} cadres in {seeded.units} units, {seeded.ballots_returned} ballots returned,"
            f" {seeded.peer_ratings} peer ratings, in {seeded.seconds:.1f} s"
        )
        self.stdout.write("genuinely lying flat (cadre ids): " + " ".join(str(pk) for pk in seeded.lying_flat))

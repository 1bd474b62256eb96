"""`manage.py identify ROUND [--json] [--actor USERNAME]`: identify a closed round's candidates (once) and print them.

Runs evaluations.identification.round_identify in this process whatever the round's size, as the given
org_admin (default: the round's creator). A round identified earlier is not recomputed: its frozen
results are printed. `--json` prints one stable JSON document (ensure_ascii=False, keys in a fixed order):

    {"round": {"id", "title", "state", "k"}, "frozen_at", "cadres", "candidate_count",
     "candidates": [{"cadre_id", "external_id", "name", "unit": {"id", "code", "name"}, "composite",
                     "flags": [{"code", "decisive", "zh", "en"}], "notes": [...], "figures": {...}}]}

Candidates come in the candidate list's order (unit, highest composite, name). `figures` is the frozen form:
a peer group below k is {"withheld": true, "k": k}, with no number.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluations.exceptions import InvalidTransition
from evaluations.identification import round_identify
from evaluations.models import EvaluationRound
from evaluations.results import candidate_json, result_list, results_summary
from project.org.models import User


class Command(BaseCommand):
    help = "Identify the candidates of a closed evaluation round (once; results are frozen) and print them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round", type=int, help="the round's id")
        parser.add_argument("--json", action="store_true", help="print the candidates as JSON")
        parser.add_argument("--actor", default=None, help="the org_admin's username (default: the round's creator)")

    def handle(self, *args: Any, **options: Any) -> None:
        round = EvaluationRound.objects.select_related("scope", "created_by").filter(pk=options["round"]).first()
        if round is None:
            raise CommandError(f"There is no round {options['round']}.")
        actor = round.created_by
        if options["actor"]:
            found = User.objects.filter(username=options["actor"]).first()
            if found is None:
                raise CommandError(f"There is no user {options['actor']}.")
            actor = found
        try:
            run = round_identify(actor=actor, round=round, inline=True)
        except PermissionDenied:
            raise CommandError(
                f"{actor.username} may not identify round {round.pk} (org_admin of its scope only)."
            ) from None
        except InvalidTransition as error:
            raise CommandError(error.message) from None
        if not run.is_done:
            raise CommandError(f"The identification did not finish: {run.status} {run.error}".strip())
        summary = results_summary(round=round)
        assert summary is not None  # written with the done run
        candidates = [candidate_json(result) for result in result_list(round=round, candidates_only=True)]
        if options["json"]:
            document = {
                "round": {"id": round.pk, "title": round.title, "state": round.state, "k": round.k_anonymity},
                "frozen_at": summary.created_at.isoformat(),
                "cadres": summary.subjects,
                "candidate_count": summary.candidates,
                "candidates": candidates,
            }
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"round {round.pk} {round.title}: {summary.candidates} candidates among {summary.subjects} cadres"
        )
        for item in candidates:
            self.stdout.write(f"- {item['unit']['name']} {item['name']} ({item['external_id']}) {item['composite']}")
            for flag in item["flags"]:
                self.stdout.write(f"    {flag['zh']}")

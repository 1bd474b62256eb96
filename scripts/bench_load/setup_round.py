"""Set up the load benchmark: an open evaluation round with many unused ballot tokens (not a test).

    DJANGO_SETTINGS_MODULE=project.settings python scripts/bench_load/setup_round.py --cadres 3000 --out tokens.json

Builds a fresh district of sections of --unit-size cadres, opens a round over it through the real services,
and writes the round id, its manifestation ids and every plain token with the colleagues on its ballot to
--out, for the locust clients. Only for a throwaway benchmark database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

import django

django.setup()

from evaluations.models import Manifestation  # noqa: E402
from evaluations.services import round_create, round_open  # noqa: E402
from project.org.models import Cadre, Role, User  # noqa: E402
from project.org.services import role_grant, unit_create  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=3000)
    parser.add_argument("--unit-size", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    options = parser.parse_args()

    admin = User(username="bench-load-admin", display_name="压测组织部门")
    admin.set_unusable_password()
    admin.save()
    root = unit_create(actor=None, name="压测区", code="LOAD")
    role_grant(actor=None, user=admin, role=Role.ORG_ADMIN, unit=root)
    units = [
        unit_create(actor=None, name=f"压测第{i + 1}科", code=f"LOAD-{i + 1:04d}", parent=root)
        for i in range(max(1, options.cadres // options.unit_size))
    ]
    Cadre.objects.bulk_create(
        Cadre(
            external_id=f"LOAD-{i:06d}",
            name=f"压测干部{i:04d}",
            gender="MF"[i % 2],
            birth_date=date(1980, 1, 1 + i % 28),
            unit=units[i % len(units)],
            post="科员",
            rank="一级科员",
        )
        for i in range(options.cadres)
    )
    evaluation = round_create(
        actor=admin, title="压测测评", scope=root, period_start=date(2026, 1, 1), period_end=date(2026, 6, 30)
    )
    opened = round_open(actor=admin, round=evaluation)
    manifestations = list(
        Manifestation.objects.filter(round=evaluation).order_by("order", "code").values_list("pk", flat=True)
    )
    payload = {
        "round_id": evaluation.pk,
        "manifestation_ids": manifestations,
        "tokens": [{"token": t.token, "subjects": list(t.subject_ids)} for t in opened.tokens],
    }
    options.out.write_text(json.dumps(payload))
    print(f"round {evaluation.pk}: {len(opened.tokens)} unused tokens over {len(units)} units")


if __name__ == "__main__":
    main()

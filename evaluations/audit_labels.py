"""The labels of the audit events the evaluation services write (see `project.audit.labels`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from evaluations.models import RoundState
from project.audit.labels import Label, register_labels, register_object_pages, step

LABELS: dict[str, Label] = {
    "evaluation_round.create": _("created the evaluation round"),
    "evaluation_round.open": step(_("opened the round for rating"), RoundState.DRAFT, RoundState.OPEN),
    "evaluation_round.close": step(_("closed the round"), RoundState.OPEN, RoundState.CLOSED),
    "evaluation_round.publish": step(_("published the results"), RoundState.CLOSED, RoundState.PUBLISHED),
    "evaluation_round.tokens_reissue": _("reissued %(reissued)s unused ballots of unit %(unit)s"),
    "evaluation_round.manifestation_add": _("added a manifestation"),
    "evaluation_round.peer_group_create": _("created a peer group"),
    "evaluation_round.seed": _("seeded a synthetic round"),
    "evaluation_round.identify": _("asked for the identification of the round"),
    "evaluation_round.identified": _("identified %(candidates)s candidates among %(cadres)s cadres; results frozen"),
    "evaluation.conflict_declare": _("declared a conflict of interest"),
    "evaluation_rating.submit_self": _("submitted a self-evaluation"),
    "evaluation_rating.submit_leader": _("submitted a leader's comment"),
}


def register() -> None:
    register_labels(LABELS)
    register_object_pages({"evaluations.evaluationround": "evaluations:round_detail"})

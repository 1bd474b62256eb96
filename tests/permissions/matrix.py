"""THE permission matrix: for every URL name, how to build its arguments and what each persona gets.

Read a row as: the view accepts `methods` (the other of GET/POST answers 405, or `wrong_method`); a GET (and,
for views that accept POST, a POST with no data) by each persona answers the outcome in its column —
for an object of district A (`a`) and the same kind of object in district B (`b`). District B's objects
are built by district B's own people (tests/permissions/world.py), so for A's personas they are outside
their scope; oscar is district B's organization department.

Outcomes (tests/permissions/harness.py): OK (200, or a redirect that is not to the login page), LOGIN,
HIDDEN (404: not visible, exactly like a missing object), FORBIDDEN (403: visible, not allowed), METHOD
(405), and for a persona who is let through: INVALID (400: the empty form was refused) and CONFLICT
(409: allowed, not in this state); the API answers an anonymous request UNAUTHORIZED (401). An empty
POST reaches the form only after the permission check, so INVALID in a column means "allowed".

A URL name without a row fails tests/permissions/test_matrix.py with its name: a new URL is never
unchecked. The admin site is covered by one rule there (nobody here is staff).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.permissions.harness import Outcome
from tests.permissions.world import Side, World

OK = Outcome.OK
LOGIN = Outcome.LOGIN
INVALID = Outcome.INVALID
UNAUTHORIZED = Outcome.UNAUTHORIZED
FORBIDDEN = Outcome.FORBIDDEN
HIDDEN = Outcome.HIDDEN
METHOD = Outcome.METHOD
CONFLICT = Outcome.CONFLICT

# The columns of every row, in this order.
PERSONAS = ("anonymous", "carl", "leo", "ivy", "rita", "alice", "audrey", "oscar")

Row = tuple[Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome]
Kwargs = Callable[[World, Side], dict[str, Any]]


@dataclass(frozen=True)
class Scoped:
    """What each persona gets for the object of district A and for the one of district B."""

    a: Row
    b: Row


Expect = Row | Scoped


@dataclass(frozen=True)
class Entry:
    methods: tuple[str, ...]
    get: Expect | None = None
    post: Expect | None = None
    kwargs: Kwargs | None = None
    # What the method the view does not accept answers: 405, except where authentication comes first.
    wrong_method: Row = (METHOD, METHOD, METHOD, METHOD, METHOD, METHOD, METHOD, METHOD)

    def expected(self, method: str, persona: str, side: str) -> Outcome:
        if method not in self.methods:
            return self.wrong_method[PERSONAS.index(persona)]
        expect = self.get if method == "GET" else self.post
        assert expect is not None, f"the row accepts {method} but declares no outcomes for it"
        row = expect if isinstance(expect, tuple) else (expect.a if side == "A" else expect.b)
        return row[PERSONAS.index(persona)]


def same(row: Row) -> Scoped:
    """The same outcome for A's object and B's (an object that is not scoped, e.g. a ballot token)."""
    return Scoped(row, row)


# --- how each URL's arguments come from the world ---------------------------------------------------------


def draft_round(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.draft_round.pk}


def open_round(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.open_round.round.pk}


def closed_round(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.closed_round.pk}


def published_round(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.published_round.pk}


def result(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.published_round.pk, "cadre_pk": s.cast.carl_cadre.pk}


def reissue(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.open_round.round.pk, "unit_pk": s.section.pk}


def self_rating(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.self_rating.pk}


def ballot(w: World, s: Side) -> dict[str, Any]:
    return {"token": s.ballot_token}


def case(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.case.pk}


def case_action(w: World, s: Side) -> dict[str, Any]:
    # A step with no form fields, so that the empty POST reaches the service's permission check.
    return {"pk": s.case.pk, "action": "move_to_verifying"}


def commitment(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.commitment.pk}


def draft_talk(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.draft_talk.pk}


def signed_talk(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.signed_talk.pk}


def visit(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.visit.pk}


def planned_visit(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.planned_visit.pk}


def visit_attachment(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.attachment.pk}


def draft_circular(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.draft_circular.pk}


def circular_submit(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.draft_circular.pk, "action": "submit"}


def matter(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.matter.pk}


def matter_action(w: World, s: Side) -> dict[str, Any]:
    # A step with no form fields (the decided matter is closed by the organization department).
    return {"pk": s.matter.pk, "action": "close"}


def evidence(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.evidence.pk}


def document(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.document.pk}


def unit(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.section.pk}


def cadre(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.cast.carl_cadre.pk}


def circular_document(w: World, s: Side) -> dict[str, Any]:
    return {"pk": s.circular_document.pk}


def verification_code(w: World, s: Side) -> dict[str, Any]:
    return {"code": s.document.verification_code}


G, P, GP = ("GET",), ("POST",), ("GET", "POST")

# Rows that repeat: a page every logged-in person may open (it lists only what they may see), and an
# object of district B that only district B's organization department (oscar) may see.
EVERYONE: Row = (LOGIN, OK, OK, OK, OK, OK, OK, OK)
ORG_ADMINS: Row = (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, OK)
# The organization departments' forms, posted empty: refused as invalid once the person is let through.
ORG_ADMINS_FORM: Row = (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, INVALID, FORBIDDEN, INVALID)


def b_only_oscar(outcome: Outcome) -> Row:
    return (LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, outcome)


NOBODY_LOGGED_IN: Row = (LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN)

# fmt: off
MATRIX: dict[str, Entry] = {
    # Rows read: anonymous, carl, leo, ivy, rita, alice, audrey, oscar (PERSONAS).
    "home": Entry(G, get=EVERYONE),
    "login": Entry(GP, get=(OK, OK, OK, OK, OK, OK, OK, OK), post=(OK, OK, OK, OK, OK, OK, OK, OK)),
    # Logging out ends on the login page.
    "logout": Entry(P, post=(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)),
    "set_language": Entry(GP, get=(OK, OK, OK, OK, OK, OK, OK, OK), post=(OK, OK, OK, OK, OK, OK, OK, OK)),
    "twofactor:enrol": Entry(GP, get=EVERYONE,
                             post=(LOGIN, INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, INVALID)),
    "twofactor:verify": Entry(GP, get=EVERYONE, post=EVERYONE),
    "org:cadre_list": Entry(G, get=ORG_ADMINS),
    "org:roster_import": Entry(GP, get=ORG_ADMINS, post=ORG_ADMINS),
    "audit:event_list": Entry(G, get=(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)),

    # --- accountability matters: the file is the reviewers', the org_admin's and the auditor's; the
    # cadre has their own pages instead; a leader or an inspector never sees it.
    "cases:matters:list": Entry(G, get=EVERYONE),
    "cases:matters:receive": Entry(GP, get=ORG_ADMINS, post=ORG_ADMINS_FORM),
    "cases:matters:detail": Entry(G, kwargs=matter, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    # The decided matter's checklist is read-only: saving it is a conflict (the state is checked first).
    "cases:matters:checklist": Entry(GP, kwargs=matter, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, HIDDEN), b=b_only_oscar(OK)), post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, CONFLICT, CONFLICT, CONFLICT, HIDDEN), b=b_only_oscar(CONFLICT))),
    # The htmx partial computes a recommendation from the posted answers and saves nothing.
    "cases:matters:checklist_recommendation": Entry(P, kwargs=matter, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    "cases:matters:decision": Entry(G, kwargs=matter, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    # Closing needs feedback and filing first (409 once allowed); the auditor may not (403).
    "cases:matters:action": Entry(P, kwargs=matter_action, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, CONFLICT, CONFLICT, FORBIDDEN, HIDDEN), b=b_only_oscar(CONFLICT))),
    "cases:matters:attachment": Entry(G, kwargs=evidence, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    "cases:matters:own_list": Entry(G, get=EVERYONE),
    # The cadre's own pages: carl's matter is his; B's matter is ben's, who is none of the personas.
    "cases:matters:own_detail": Entry(G, kwargs=matter, get=Scoped(
        a=(LOGIN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN), b=NOBODY_LOGGED_IN)),
    "cases:matters:own_apply": Entry(P, kwargs=matter, post=Scoped(
        a=(LOGIN, INVALID, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN), b=NOBODY_LOGGED_IN)),
    "cases:matters:own_appeal": Entry(P, kwargs=matter, post=Scoped(
        a=(LOGIN, INVALID, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN), b=NOBODY_LOGGED_IN)),
    "cases:matters:prereg_list": Entry(G, get=EVERYONE),
    # 容错报备: a cadre for themself (carl, and leo, who is a cadre too), the org_admin for the subtree.
    "cases:matters:prereg_create": Entry(
        GP,
        get=(LOGIN, OK, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, OK),
        post=(LOGIN, INVALID, INVALID, FORBIDDEN, FORBIDDEN, INVALID, FORBIDDEN, INVALID)),

    # --- rectification cases: the staff pages are the leader in charge's (leo), the org_admin's and
    # the auditor's; the cadre has their own pages; inspectors and reviewers never see a case.
    "cases:rectification:list": Entry(G, get=EVERYONE),
    # A refused bulk step goes back to the list (its ticks and text kept for the next try): OK, not INVALID.
    "cases:rectification:bulk": Entry(P, post=(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, OK)),
    "cases:rectification:open": Entry(GP, get=ORG_ADMINS, post=ORG_ADMINS_FORM),
    "cases:rectification:detail": Entry(G, kwargs=case, get=Scoped(
        a=(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    # Ending the period early is the org_admin's.
    "cases:rectification:action": Entry(P, kwargs=case_action, post=Scoped(
        a=(LOGIN, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=b_only_oscar(OK))),
    "cases:rectification:plan": Entry(GP, kwargs=case, get=Scoped(
        a=(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK)), post=Scoped(
        a=(LOGIN, HIDDEN, INVALID, HIDDEN, HIDDEN, INVALID, FORBIDDEN, HIDDEN), b=b_only_oscar(INVALID))),
    "cases:rectification:commitment_add": Entry(P, kwargs=case, post=Scoped(
        a=(LOGIN, HIDDEN, INVALID, HIDDEN, HIDDEN, INVALID, FORBIDDEN, HIDDEN), b=b_only_oscar(INVALID))),
    "cases:rectification:care": Entry(GP, kwargs=case, get=Scoped(
        a=(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK)), post=Scoped(
        a=(LOGIN, HIDDEN, INVALID, HIDDEN, HIDDEN, INVALID, FORBIDDEN, HIDDEN), b=b_only_oscar(INVALID))),
    # Talks are recorded by the leader in charge only (B's leader is lars: oscar may not).
    "cases:rectification:talk_create": Entry(GP, kwargs=case, get=Scoped(
        a=(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN), b=b_only_oscar(FORBIDDEN)), post=Scoped(
        a=(LOGIN, HIDDEN, INVALID, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN), b=b_only_oscar(FORBIDDEN))),
    "cases:rectification:commitment_done": Entry(P, kwargs=commitment, post=Scoped(
        a=(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=b_only_oscar(OK))),
    # An unsigned talk: its talker corrects and signs it; the cadre sees it only once signed.
    "cases:rectification:talk_detail": Entry(GP, kwargs=draft_talk, get=Scoped(
        a=(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK)), post=Scoped(
        a=(LOGIN, HIDDEN, INVALID, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN), b=b_only_oscar(FORBIDDEN))),
    "cases:rectification:talk_sign": Entry(P, kwargs=draft_talk, post=Scoped(
        a=(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN), b=b_only_oscar(FORBIDDEN))),
    "cases:rectification:my_talks": Entry(G, get=EVERYONE),
    "cases:rectification:own_list": Entry(G, get=EVERYONE),
    "cases:rectification:own_detail": Entry(G, kwargs=case, get=Scoped(
        a=(LOGIN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN), b=NOBODY_LOGGED_IN)),
    # The acknowledgement form has no required field: the empty POST acknowledges.
    "cases:rectification:acknowledge": Entry(GP, kwargs=signed_talk, get=Scoped(
        a=(LOGIN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN), b=NOBODY_LOGGED_IN), post=Scoped(
        a=(LOGIN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN), b=NOBODY_LOGGED_IN)),
    # Visits (暗访) are secret: to anyone who may not see the plans — the leader in charge and the auditor
    # included — the case's visit page does not exist (404), exactly like the plans themselves.
    "cases:rectification:case_visits": Entry(GP, kwargs=case, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN), b=b_only_oscar(OK)), post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, INVALID, HIDDEN, HIDDEN), b=b_only_oscar(INVALID))),
    "cases:rectification:visit_detail": Entry(G, kwargs=visit, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, OK, HIDDEN, OK, HIDDEN, HIDDEN), b=b_only_oscar(OK))),
    # An unsealed plan: the team sees it; the org_admin seals it.
    "cases:rectification:visit_seal": Entry(P, kwargs=planned_visit, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, FORBIDDEN, HIDDEN, OK, HIDDEN, HIDDEN), b=b_only_oscar(OK))),
    # Observations and the verdict are the team's (ivy); the org_admin sees the plan but may not.
    "cases:rectification:visit_observe": Entry(P, kwargs=visit, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, INVALID, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN), b=b_only_oscar(FORBIDDEN))),
    "cases:rectification:visit_execute": Entry(P, kwargs=visit, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, INVALID, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN), b=b_only_oscar(FORBIDDEN))),
    "cases:rectification:visit_attachment": Entry(G, kwargs=visit_attachment, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, OK, HIDDEN, OK, HIDDEN, HIDDEN), b=b_only_oscar(OK))),
    "cases:rectification:my_visits": Entry(G, get=EVERYONE),
    "cases:rectification:circular_list": Entry(G, get=EVERYONE),
    "cases:rectification:circular_create": Entry(GP, get=ORG_ADMINS, post=ORG_ADMINS_FORM),
    # A draft circular: the organization department and the auditor read it; the drafter submits it.
    "cases:rectification:circular_detail": Entry(G, kwargs=draft_circular, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    "cases:rectification:circular_action": Entry(P, kwargs=circular_submit, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=b_only_oscar(OK))),
    "cases:rectification:notifications": Entry(G, get=EVERYONE),
    "cases:rectification:notifications_read": Entry(P, post=EVERYONE),

    # --- evaluations: rounds are the organization department's and the auditor's; a leader, a cadre,
    # an inspector or a reviewer never sees one (they rate through their own pages and ballots).
    "evaluations:round_list": Entry(G, get=EVERYONE),
    # The round form re-renders with its errors (200) after an empty POST.
    "evaluations:round_create": Entry(GP, get=ORG_ADMINS, post=ORG_ADMINS),
    "evaluations:round_detail": Entry(G, kwargs=open_round, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    "evaluations:round_open": Entry(P, kwargs=draft_round, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=b_only_oscar(OK))),
    "evaluations:round_close": Entry(P, kwargs=open_round, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=b_only_oscar(OK))),
    "evaluations:round_publish": Entry(P, kwargs=closed_round, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=b_only_oscar(OK))),
    "evaluations:tokens_reissue": Entry(P, kwargs=reissue, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=b_only_oscar(OK))),
    "evaluations:my_evaluations": Entry(G, get=EVERYONE),
    # carl's own self-evaluation; the sheet re-renders with its errors (200) after an empty POST.
    "evaluations:rating_fill": Entry(GP, kwargs=self_rating, get=Scoped(
        a=(LOGIN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN), b=NOBODY_LOGGED_IN), post=Scoped(
        a=(LOGIN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN), b=NOBODY_LOGGED_IN)),
    "evaluations:ballot_thanks": Entry(G, get=(OK, OK, OK, OK, OK, OK, OK, OK)),
    # The anonymous ballot: the token is the credential, whoever holds it (no login, no district).
    "evaluations:ballot": Entry(GP, kwargs=ballot, get=same((OK, OK, OK, OK, OK, OK, OK, OK)),
                                post=same((OK, OK, OK, OK, OK, OK, OK, OK))),
    "evaluations:results": Entry(G, kwargs=published_round, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    # Asking again for a frozen identification returns it (a redirect to the results).
    "evaluations:results_identify": Entry(P, kwargs=closed_round, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=b_only_oscar(OK))),
    "evaluations:results_progress": Entry(G, kwargs=published_round, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    "evaluations:result_list": Entry(G, kwargs=published_round, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    "evaluations:result_card": Entry(G, kwargs=result, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    # Whoever may read the card may ask for its PDF (a rendering, not a change of the round).
    "evaluations:result_card_pdf": Entry(P, kwargs=result, post=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    # Colleagues' free-text comments: the organization department only.
    "evaluations:result_comments": Entry(G, kwargs=result, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=b_only_oscar(OK))),
    "evaluations:results_export": Entry(G, kwargs=published_round, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),

    # --- documents: each kind's own rule (a talk record: the case's staff, and the cadre once signed)
    "documents:download": Entry(G, kwargs=document, get=Scoped(
        a=(LOGIN, OK, OK, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    # A published circular's PDF (the circular kind's rule: the organization department and the auditor).
    "documents:status": Entry(G, kwargs=circular_document, get=Scoped(
        a=(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    "documents:verify_lookup": Entry(G, get=EVERYONE),
    # The printed verification code is the credential (whoever holds the paper); the page shows what is
    # printed on it, never the file, and every look-up is audited.
    "documents:verify": Entry(G, kwargs=verification_code, get=same(EVERYONE)),
}
# fmt: on

# --- the REST API (/api/v1/): the same rules as the pages. An anonymous request is 401 whatever the method
# (DRF authenticates before it looks at the method); a logged-in one gets 405 for a method the action lacks.
API_WRONG_METHOD: Row = (UNAUTHORIZED, METHOD, METHOD, METHOD, METHOD, METHOD, METHOD, METHOD)
API_EVERYONE: Row = (UNAUTHORIZED, OK, OK, OK, OK, OK, OK, OK)


def api_b(outcome: Outcome) -> Row:
    return (UNAUTHORIZED, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, outcome)


def api(methods: tuple[str, ...], **kwargs: Any) -> Entry:
    return Entry(methods, wrong_method=API_WRONG_METHOD, **kwargs)


U = UNAUTHORIZED
# The same rows as the pages, with 401 for the anonymous request.
API_CASE_STAFF: Row = (U, HIDDEN, OK, HIDDEN, HIDDEN, OK, OK, HIDDEN)
API_MATTER_FILE: Row = (U, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, HIDDEN)
API_ROUND: Row = (U, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, OK, HIDDEN)
API_ROUND_STEP: Row = (U, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN)
# A case step the rectifying case is not in: the state is checked first, so all who see it get 409.
API_CASE_NOT_NOW: Row = (U, HIDDEN, CONFLICT, HIDDEN, HIDDEN, CONFLICT, CONFLICT, HIDDEN)
API_MATTER_NOT_NOW: Row = (U, HIDDEN, HIDDEN, HIDDEN, CONFLICT, CONFLICT, CONFLICT, HIDDEN)

# fmt: off
API: dict[str, Entry] = {
    # Rows read: anonymous, carl, leo, ivy, rita, alice, audrey, oscar (PERSONAS).
    "unit-list": api(G, get=API_EVERYONE),
    "unit-detail": api(G, kwargs=unit, get=Scoped(a=(U, OK, OK, OK, OK, OK, OK, HIDDEN), b=api_b(OK))),
    "cadre-list": api(G, get=API_EVERYONE),
    # carl sees his own record; the inspector and the reviewer do not see cadres.
    "cadre-detail": api(G, kwargs=cadre, get=Scoped(a=(U, OK, OK, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=api_b(OK))),
    "round-list": api(G, get=API_EVERYONE),
    "round-detail": api(G, kwargs=open_round, get=Scoped(a=API_ROUND, b=api_b(OK))),
    "round-close": api(P, kwargs=open_round, post=Scoped(a=API_ROUND_STEP, b=api_b(OK))),
    "round-identify": api(P, kwargs=closed_round, post=Scoped(a=API_ROUND_STEP, b=api_b(OK))),
    "round-publish": api(P, kwargs=closed_round, post=Scoped(a=API_ROUND_STEP, b=api_b(OK))),
    "round-result-card": api(G, kwargs=result, get=Scoped(a=API_ROUND, b=api_b(OK))),
    "round-result-list": api(G, kwargs=published_round, get=Scoped(a=API_ROUND, b=api_b(OK))),
    "round-results-summary": api(G, kwargs=published_round, get=Scoped(a=API_ROUND, b=api_b(OK))),
    "case-list": api(G, get=API_EVERYONE),
    "case-detail": api(G, kwargs=case, get=Scoped(a=API_CASE_STAFF, b=api_b(OK))),
    # Assigning (or re-assigning) the leader, escalating, withdrawing: the organization department's.
    "case-assign-leader": api(P, kwargs=case, post=Scoped(
        a=(U, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    "case-care-measures": api(GP, kwargs=case, get=Scoped(a=API_CASE_STAFF, b=api_b(OK)), post=Scoped(
        a=(U, HIDDEN, INVALID, HIDDEN, HIDDEN, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    "case-close-handled": api(P, kwargs=case, post=Scoped(a=API_CASE_NOT_NOW, b=api_b(CONFLICT))),
    "case-close-rectified": api(P, kwargs=case, post=Scoped(a=API_CASE_NOT_NOW, b=api_b(CONFLICT))),
    "case-commitments": api(GP, kwargs=case, get=Scoped(a=API_CASE_STAFF, b=api_b(OK)), post=Scoped(
        a=(U, HIDDEN, INVALID, HIDDEN, HIDDEN, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    "case-confirm": api(P, kwargs=case, post=Scoped(a=API_CASE_NOT_NOW, b=api_b(CONFLICT))),
    "case-dismiss": api(P, kwargs=case, post=Scoped(a=API_CASE_NOT_NOW, b=api_b(CONFLICT))),
    "case-escalate": api(P, kwargs=case, post=Scoped(
        a=(U, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    "case-move-to-verifying": api(P, kwargs=case, post=Scoped(
        a=(U, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=api_b(OK))),
    # A plan is drawn up while the case is in talks; the case is rectifying.
    "case-plans": api(GP, kwargs=case, get=Scoped(a=API_CASE_STAFF, b=api_b(OK)),
                      post=Scoped(a=API_CASE_NOT_NOW, b=api_b(CONFLICT))),
    "case-restart": api(P, kwargs=case, post=Scoped(a=API_CASE_NOT_NOW, b=api_b(CONFLICT))),
    "case-start-rectifying": api(P, kwargs=case, post=Scoped(a=API_CASE_NOT_NOW, b=api_b(CONFLICT))),
    # Talks are recorded by the leader in charge only.
    "case-talks": api(GP, kwargs=case, get=Scoped(a=API_CASE_STAFF, b=api_b(OK)), post=Scoped(
        a=(U, HIDDEN, INVALID, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN), b=api_b(FORBIDDEN))),
    # Sealed visits: not even their existence to the leader in charge or the auditor (as on the pages).
    "case-visits": api(GP, kwargs=case, get=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN), b=api_b(OK)), post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, HIDDEN, INVALID, HIDDEN, HIDDEN), b=api_b(INVALID))),
    "case-withdraw": api(P, kwargs=case, post=Scoped(
        a=(U, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    "talk-list": api(G, get=API_EVERYONE),
    "talk-detail": api(G, kwargs=draft_talk, get=Scoped(a=API_CASE_STAFF, b=api_b(OK))),
    "talk-sign": api(P, kwargs=draft_talk, post=Scoped(
        a=(U, HIDDEN, OK, HIDDEN, HIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN), b=api_b(FORBIDDEN))),
    "commitment-list": api(G, get=API_EVERYONE),
    "commitment-detail": api(G, kwargs=commitment, get=Scoped(a=API_CASE_STAFF, b=api_b(OK))),
    "commitment-done": api(P, kwargs=commitment, post=Scoped(
        a=(U, HIDDEN, OK, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=api_b(OK))),
    "visit-list": api(G, get=API_EVERYONE),
    "visit-detail": api(G, kwargs=visit, get=Scoped(
        a=(U, HIDDEN, HIDDEN, OK, HIDDEN, OK, HIDDEN, HIDDEN), b=api_b(OK))),
    "visit-execute": api(P, kwargs=visit, post=Scoped(
        a=(U, HIDDEN, HIDDEN, INVALID, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN), b=api_b(FORBIDDEN))),
    "visit-observations": api(P, kwargs=visit, post=Scoped(
        a=(U, HIDDEN, HIDDEN, INVALID, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN), b=api_b(FORBIDDEN))),
    "visit-seal": api(P, kwargs=planned_visit, post=Scoped(
        a=(U, HIDDEN, HIDDEN, FORBIDDEN, HIDDEN, OK, HIDDEN, HIDDEN), b=api_b(OK))),
    "matter-list": api(G, get=API_EVERYONE),
    "matter-detail": api(G, kwargs=matter, get=Scoped(a=API_MATTER_FILE, b=api_b(OK))),
    "matter-accept": api(P, kwargs=matter, post=Scoped(a=API_MATTER_NOT_NOW, b=api_b(CONFLICT))),
    # The organization department records an appeal, an application for the unit, an extension, and
    # assigns reviewers.
    "matter-appeal": api(P, kwargs=matter, post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, FORBIDDEN, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    "matter-apply": api(P, kwargs=matter, post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, FORBIDDEN, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    "matter-assessment": api(G, kwargs=matter, get=Scoped(a=API_MATTER_FILE, b=api_b(OK))),
    "matter-assign-reviewer": api(P, kwargs=matter, post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, FORBIDDEN, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    # Only assigned reviewers answer the checklist.
    "matter-checklist": api(P, kwargs=matter, post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, INVALID, FORBIDDEN, FORBIDDEN, HIDDEN), b=api_b(FORBIDDEN))),
    "matter-close": api(P, kwargs=matter, post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, CONFLICT, CONFLICT, FORBIDDEN, HIDDEN), b=api_b(CONFLICT))),
    "matter-confirm-decision": api(P, kwargs=matter, post=Scoped(a=API_MATTER_NOT_NOW, b=api_b(CONFLICT))),
    "matter-correction-tasks": api(GP, kwargs=matter, get=Scoped(a=API_MATTER_FILE, b=api_b(OK)), post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, INVALID, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    "matter-decisions": api(G, kwargs=matter, get=Scoped(a=API_MATTER_FILE, b=api_b(OK))),
    "matter-decline-decision": api(P, kwargs=matter, post=Scoped(a=API_MATTER_NOT_NOW, b=api_b(CONFLICT))),
    "matter-extend": api(P, kwargs=matter, post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, FORBIDDEN, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    "matter-feedback": api(P, kwargs=matter, post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, INVALID, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    # Only assigned reviewers propose the outcome.
    "matter-propose": api(P, kwargs=matter, post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, INVALID, FORBIDDEN, FORBIDDEN, HIDDEN), b=api_b(FORBIDDEN))),
    "matter-recommend": api(P, kwargs=matter, post=Scoped(a=API_MATTER_NOT_NOW, b=api_b(CONFLICT))),
    "matter-reject": api(P, kwargs=matter, post=Scoped(a=API_MATTER_NOT_NOW, b=api_b(CONFLICT))),
    "matter-start-investigation": api(P, kwargs=matter, post=Scoped(a=API_MATTER_NOT_NOW, b=api_b(CONFLICT))),
    "matter-verify-task": api(P, kwargs=matter, post=Scoped(
        a=(U, HIDDEN, HIDDEN, HIDDEN, INVALID, INVALID, FORBIDDEN, HIDDEN), b=api_b(INVALID))),
    # The schema lists every endpoint: signed-in people only, like the rest of the API. Its viewer is a page:
    # an anonymous browser goes to the login page, whatever the method (authentication comes first).
    "api-schema": api(G, get=API_EVERYONE),
    "api-docs": Entry(G, get=(LOGIN, OK, OK, OK, OK, OK, OK, OK),
                      wrong_method=(LOGIN, METHOD, METHOD, METHOD, METHOD, METHOD, METHOD, METHOD)),
}
# fmt: on

# --- pages added with the API
# fmt: off
LATER: dict[str, Entry] = {
    # For load balancers: no login, no database.
    "healthz": Entry(G, get=(OK, OK, OK, OK, OK, OK, OK, OK)),
    # The dashboard: the organization department and auditors (over the cases they may see).
    "cases:rectification:dashboard": Entry(G, get=(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, OK)),
    # A dossier holds what its requester may see: whoever reads the case may ask for one.
    "cases:rectification:dossier": Entry(GP, kwargs=case, get=Scoped(
        a=(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK)), post=Scoped(
        a=(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, OK, OK, HIDDEN), b=b_only_oscar(OK))),
    # Handing the case over to another leader: the organization department.
    "cases:rectification:reassign": Entry(GP, kwargs=case, get=Scoped(
        a=(LOGIN, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN, OK, FORBIDDEN, HIDDEN), b=b_only_oscar(OK)), post=Scoped(
        a=(LOGIN, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN, INVALID, FORBIDDEN, HIDDEN), b=b_only_oscar(INVALID))),
}
# fmt: on
MATRIX.update(LATER)
MATRIX.update(API)

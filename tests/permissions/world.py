"""The fixture world of the permission matrix: the same kinds of objects in district A and in district B.

District A is tests/conftest.py's organization with its personas. District B gets a mirror cast (oscar as
its organization department, and a leader, inspector, reviewers, auditor and cadre of its own) so that
the state helpers of tests/cases (written for alice, leo, ivy, rita, rob and carl) build B's objects with
B's people. Every object is reached through the services, never by setting fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.matters import decision_services
from cases.matters import services as matter_services
from cases.matters.models import AccountabilityMatter, ChecklistAnswer
from cases.matters.services import AnswerInput
from cases.rectification import circulars, talk_services, visit_services
from cases.rectification.circular_models import Circular
from cases.rectification.circulars import CIRCULAR_KIND
from cases.rectification.documents import KIND as TALK_RECORD_KIND
from cases.rectification.models import Commitment, RectificationCase, Talk
from cases.rectification.visit_models import VisitAttachment, VisitPlan
from evaluations.identification import round_identify
from evaluations.models import EvaluationRound, IdentifiedRating, Relation
from evaluations.services import OpenedRound, round_close, round_open, round_publish
from project.documents.models import Document
from project.documents.services import document_render
from project.org.models import Role, Unit, User
from project.org.services import role_grant
from tests.cases.matters import states as matter_states
from tests.cases.rectification import states as case_states
from tests.cases.rectification import visit_states
from tests.conftest import Org, Personas, make_cadre, make_user
from tests.conftest import org as org_fixture
from tests.conftest import personas as personas_fixture
from tests.evaluations.conftest import create_round

# A PDF as small as a scanner could send: the attachment checks read the magic bytes.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Side:
    """One district's objects; `cast` are the people who built them (tests/conftest.py's in A)."""

    cast: Personas
    district: Unit
    section: Unit  # where the case's cadre works (tokens are reissued for it)
    draft_round: EvaluationRound
    open_round: OpenedRound
    closed_round: EvaluationRound  # closed and identified, not yet published
    published_round: EvaluationRound
    self_rating: IdentifiedRating  # the cadre's own self-evaluation in the open round
    ballot_token: str
    case: RectificationCase  # rectifying: signed talk, plan, commitment, care, sealed visit
    signed_talk: Talk
    draft_talk: Talk
    commitment: Commitment
    visit: VisitPlan  # sealed, with an observation and its attachment
    planned_visit: VisitPlan  # not yet sealed
    attachment: VisitAttachment
    draft_circular: Circular
    published_circular: Circular
    matter: AccountabilityMatter  # decided (rita proposed, rob confirmed), with a correction task
    evidence: ChecklistAnswer  # a checklist answer with an attached file
    document: Document  # the signed talk's record, rendered
    circular_document: Document  # the published circular's PDF (requested on publishing, not rendered)


@dataclass
class World:
    org: Org
    personas: Personas
    a: Side
    b: Side
    sessions: dict[str, str] = field(default_factory=dict)  # persona → session key, logged in once

    def side(self, name: str) -> Side:
        return self.a if name == "A" else self.b


def _b_cast(org: Org, personas: Personas) -> Personas:
    """District B's people in the roles district A's personas hold, so the state helpers work there."""
    lars, iris, rhea, rolf, aude, ben = (
        make_user(name, display)
        for name, display in [
            ("lars", "冯磊"),
            ("iris", "何静"),
            ("rhea", "吕娜"),
            ("rolf", "施伟"),
            ("aude", "孔悦"),
            ("ben", "曹斌"),
        ]
    )
    role_grant(actor=None, user=lars, role=Role.LEADER, unit=org.b_office)
    role_grant(actor=None, user=iris, role=Role.INSPECTOR, unit=org.district_b)
    role_grant(actor=None, user=rhea, role=Role.REVIEWER, unit=org.district_b)
    role_grant(actor=None, user=rolf, role=Role.REVIEWER, unit=org.district_b)
    role_grant(actor=None, user=aude, role=Role.AUDITOR, unit=org.district_b)
    make_cadre(org.district_b, "B-0002", "冯磊", user=lars, post="副主任")
    ben_cadre = make_cadre(org.b_office, "B-0003", "曹斌", user=ben)
    return Personas(
        None,
        alice=personas.oscar,
        leo=lars,
        ivy=iris,
        rita=rhea,
        rob=rolf,
        audrey=aude,
        carl=ben,
        oscar=personas.alice,
        carl_cadre=ben_cadre,
        dora_cadre=personas.bella_cadre,
        bella_cadre=personas.carl_cadre,
    )


def _second_org_admin(username: str, unit: Unit) -> User:
    # Circulars are approved by a second member of the organization department.
    user = make_user(username)
    role_grant(actor=None, user=user, role=Role.ORG_ADMIN, unit=unit)
    return user


def _circular(cast: Personas, unit: Unit, code: str) -> Circular:
    return circulars.circular_create(
        actor=cast.alice,
        unit=unit,
        issuing_body="中共区委组织部",
        issuer_code=code,
        title="关于干部工作作风问题的通报",
        addressees="区级各部门",
        facts="经暗访，有干部多次在工作时间观看网络视频。",
        decision="依据有关规定，对其予以诫勉。",
        nature="严重影响机关作风和群众办事体验。",
        requirements="各单位要引以为戒，举一反三。",
    )


def _rendered(obj: Talk) -> Document:
    # The rendering is enqueued on commit, which never comes inside the world's transaction.
    document = Document.objects.get(kind=TALK_RECORD_KIND, object_type=Talk._meta.label_lower, object_id=str(obj.pk))
    return document_render(document_id=document.pk)


def _identified(cast: Personas, district: Unit, title: str) -> EvaluationRound:
    round = create_round(cast.alice, district, title=title)
    round_open(actor=cast.alice, round=round)
    round = round_close(actor=cast.alice, round=round)
    round_identify(actor=cast.alice, round=round, inline=True)
    return round


def _side(cast: Personas, district: Unit, section: Unit, code: str, second_admin: User) -> Side:
    draft_round = create_round(cast.alice, district, title="草稿测评")
    closed, published = (_identified(cast, district, title) for title in ("已结束测评", "已发布测评"))
    published = round_publish(actor=cast.alice, round=published)
    opened = round_open(actor=cast.alice, round=create_round(cast.alice, district, title="进行中测评"))
    self_rating = IdentifiedRating.objects.get(round=opened.round, relation=Relation.SELF, subject=cast.carl_cadre)

    case = case_states.rectifying(cast)
    signed_talk = Talk.objects.get(case=case, signed_at__isnull=False)
    talk_services.care_measure_add(actor=cast.leo, case=case, kind="training", description="参加作风建设专题培训")
    draft_talk = case_states.record_talk(cast, case, purpose="整改期间再次谈话")
    plan = visit_states.sealed(cast, case)
    planned_visit = visit_states.planned(cast, case)
    upload = SimpleUploadedFile("scan.pdf", PDF_BYTES, content_type="application/pdf")
    observation = visit_services.visit_observation_add(
        actor=cast.ivy, plan=plan, text="10:35 在办公室观看网络视频", files=[upload]
    )

    draft_circular = _circular(cast, district, code)
    published_circular = circulars.circular_submit(actor=cast.alice, circular=_circular(cast, district, code))
    published_circular = circulars.circular_approve(actor=second_admin, circular=published_circular)
    published_circular = circulars.circular_publish(actor=cast.alice, circular=published_circular)

    matter = _decided_with_evidence(cast)

    return Side(
        cast=cast,
        district=district,
        section=section,
        draft_round=draft_round,
        open_round=opened,
        closed_round=closed,
        published_round=published,
        self_rating=self_rating,
        ballot_token=opened.tokens[0].token,
        case=case,
        signed_talk=signed_talk,
        draft_talk=draft_talk,
        commitment=Commitment.objects.filter(case=case).order_by("pk").first(),  # type: ignore[arg-type]
        visit=plan,
        planned_visit=planned_visit,
        attachment=observation.attachments.get(),
        draft_circular=draft_circular,
        published_circular=published_circular,
        matter=matter,
        evidence=ChecklistAnswer.objects.filter(matter=matter).exclude(attachment="").get(),
        document=_rendered(signed_talk),
        circular_document=Document.objects.get(
            kind=CIRCULAR_KIND, object_type=Circular._meta.label_lower, object_id=str(published_circular.pk)
        ),
    )


def _decided_with_evidence(cast: Personas) -> AccountabilityMatter:
    """tests/cases/matters/states.decided, with a scan attached to the first answer of the checklist."""
    matter = matter_states.investigating(cast)
    upload = SimpleUploadedFile("evidence.pdf", PDF_BYTES, content_type="application/pdf")
    answers = {
        cid: AnswerInput(value=value, note=f"{cid} 核实", attachment=upload if cid == "S1" else None)
        for cid, value in matter_states.EXEMPT_ANSWERS.items()
    }
    matter_services.checklist_save(actor=cast.rita, matter=matter, answers=answers)
    matter = matter_states.with_task(cast, matter_services.matter_recommend(actor=cast.rita, matter=matter))
    decision_services.decision_propose(
        actor=cast.rita, matter=matter, outcome=matter.recommended_outcome, justification=""
    )
    decision_services.decision_confirm(actor=cast.rob, matter=matter)
    matter.refresh_from_db()
    return matter


def build_world() -> World:
    """Both districts, built through the services; takes a few seconds."""
    # The conftest fixtures are plain functions underneath: the world is built once per module, and a
    # function-scoped fixture cannot be requested from a module-scoped one.
    org = org_fixture.__wrapped__(None)  # type: ignore[attr-defined]
    personas = personas_fixture.__wrapped__(org)  # type: ignore[attr-defined]
    cast_b = _b_cast(org, personas)
    a = _side(personas, org.district_a, org.section_1, "东组通", _second_org_admin("bob", org.district_a))
    b = _side(cast_b, org.district_b, org.b_office, "西组通", _second_org_admin("bert", org.district_b))
    return World(org=org, personas=personas, a=a, b=b)

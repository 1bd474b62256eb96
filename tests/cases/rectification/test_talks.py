"""Talks (谈话): recorded by the leader in charge from the roster, frozen by the talker's signature,
acknowledged or disputed by the cadre; their commitments; the talk record PDF."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.rectification import talk_services
from cases.rectification.documents import KIND, TITLE
from cases.rectification.exceptions import AlreadyRecorded, InvalidTransition
from cases.rectification.forms import CommitmentFormSet, TalkForm
from cases.rectification.models import Acknowledgement, Talk, TalkKind
from cases.rectification.selectors import case_timeline
from cases.rectification.talk_services import CommitmentInput
from project.audit.models import AuditEvent
from project.documents.models import Document
from project.documents.permissions import can_view_document
from project.documents.registry import get_document_kind
from project.org.models import Cadre
from tests.cases.rectification.states import confirmed, nominated, record_talk, signed, talking
from tests.conftest import Personas
from tests.documents.pdfs import font_names, page_texts

pytestmark = pytest.mark.django_db


def test_the_assigned_leader_records_a_talk_with_names_units_and_posts_from_the_roster(personas: Personas) -> None:
    talk = record_talk(personas, talking(personas))
    assert talk.talker == personas.leo
    assert (talk.talker_name, talk.talker_unit, talk.talker_post) == ("李强", "东城区发展和改革局", "副局长")
    assert (talk.recorder_name, talk.recorder_unit, talk.recorder_post) == ("刘芳", "综合科", "科员")
    assert (talk.subject_name, talk.subject_unit, talk.subject_post) == ("陈刚", "综合科", "科员")
    assert talk.signed_at is None
    assert [(c.text, c.talk_id) for c in talk.commitments.all()] == [("每周报送工作台账", talk.pk)]


def test_the_record_keeps_the_names_it_was_signed_with_when_the_roster_changes(personas: Personas) -> None:
    _case, talk = signed(personas)
    Cadre.objects.filter(pk=personas.carl_cadre.pk).update(post="副科长")
    talk.refresh_from_db()
    assert talk.subject_post == "科员"


def test_the_audit_event_of_a_talk_carries_no_content(personas: Personas) -> None:
    talk = record_talk(personas, talking(personas))
    event = AuditEvent.objects.for_object(talk).get(action="talk.record")
    assert "推诿" not in event.summary
    assert "整改" not in event.summary
    assert "推诿" not in str(event.data)


@pytest.mark.parametrize("who", ["alice", "audrey", "carl", "oscar"])
def test_only_the_assigned_leader_records_talks(personas: Personas, who: str) -> None:
    case = talking(personas)
    with pytest.raises(PermissionDenied):
        talk_services.talk_create(
            actor=getattr(personas, who), case=case, kind="reminder", place="会议室",
            recorder=personas.dora_cadre, purpose="事由", content="内容",
        )  # fmt: skip


def test_talks_wait_for_the_leader_in_charge(personas: Personas) -> None:
    with pytest.raises(InvalidTransition):
        record_talk(personas, confirmed(personas))


def test_the_recorder_comes_from_the_leaders_units_and_is_never_the_cadre(personas: Personas) -> None:
    case = talking(personas)
    for recorder in (personas.bella_cadre, personas.carl_cadre):
        with pytest.raises(ValidationError):
            record_talk(personas, case, recorder=recorder)


def test_a_talk_is_recorded_after_it_took_place(personas: Personas) -> None:
    with pytest.raises(ValidationError):
        record_talk(personas, talking(personas), held_at=timezone.now() + timedelta(hours=2))


def test_a_talk_is_not_dated_before_the_case_was_confirmed(personas: Personas) -> None:
    case = talking(personas)
    case.refresh_from_db()
    assert case.determined_at is not None
    before = case.determined_at - timedelta(days=400)  # 2019 for 2026, say
    with pytest.raises(ValidationError) as raised:
        talk_services.talk_create(
            actor=personas.leo,
            case=case,
            kind=TalkKind.HEART_TO_HEART,
            place="局三楼小会议室",
            recorder=personas.dora_cadre,
            purpose="测评反映推诿扯皮",
            content="提醒其改进作风。",
            held_at=before,
        )
    assert list(raised.value.message_dict) == ["held_at"]
    assert timezone.localdate(case.determined_at).isoformat() in raised.value.message_dict["held_at"][0]
    talk = record_talk(personas, case, held_at=case.determined_at)  # the day of the determination will do
    with pytest.raises(ValidationError) as raised:
        talk_services.talk_update(
            actor=personas.leo,
            talk=talk,
            kind=talk.kind,
            place=talk.place,
            recorder=talk.recorder,
            purpose=talk.purpose,
            content=talk.content,
            held_at=before,
        )
    assert list(raised.value.message_dict) == ["held_at"]


def test_the_talk_needs_a_place_a_reason_and_content(personas: Personas) -> None:
    case = talking(personas)
    for missing in ("place", "purpose", "content"):
        with pytest.raises(ValidationError):
            record_talk(personas, case, **{missing: " "})


def test_the_talker_may_correct_the_record_until_signing(personas: Personas) -> None:
    talk = record_talk(personas, talking(personas))
    corrected = talk_services.talk_update(
        actor=personas.leo, talk=talk, kind=TalkKind.REMINDER, place="局长办公室", recorder=personas.dora_cadre,
        purpose="事由", content="补充后的内容", statement="",
    )  # fmt: skip
    assert (corrected.kind, corrected.place, corrected.content) == ("reminder", "局长办公室", "补充后的内容")


def test_signing_freezes_the_record(personas: Personas) -> None:
    case, talk = signed(personas)
    assert talk.signed_at is not None
    with pytest.raises(InvalidTransition) as error:
        talk_services.talk_update(
            actor=personas.leo, talk=talk, kind="reminder", place="别处", recorder=personas.dora_cadre,
            purpose="事由", content="改写",
        )  # fmt: skip
    assert error.value.code == "signed"
    with pytest.raises(InvalidTransition):
        talk_services.talk_sign(actor=personas.leo, talk=talk)
    with pytest.raises(InvalidTransition):
        talk_services.commitment_add(actor=personas.leo, case=case, talk=talk, text="追加", deadline=None)
    talk.refresh_from_db()
    assert talk.place == "局三楼小会议室"


def test_only_the_talker_signs(personas: Personas) -> None:
    talk = record_talk(personas, talking(personas))
    for person in (personas.alice, personas.carl, personas.audrey):
        with pytest.raises(PermissionDenied):
            talk_services.talk_sign(actor=person, talk=talk)


def test_the_cadre_acknowledges_a_signed_record(personas: Personas) -> None:
    _case, talk = signed(personas)
    answered = talk_services.talk_acknowledge(actor=personas.carl, talk=talk)
    assert answered.acknowledgement == Acknowledgement.ACKNOWLEDGED
    assert answered.acknowledged_at is not None
    with pytest.raises(InvalidTransition) as error:
        talk_services.talk_acknowledge(actor=personas.carl, talk=talk, dissent="改主意了")
    assert error.value.code == "answered"


def test_the_cadre_may_record_dissent_instead(personas: Personas) -> None:
    _case, talk = signed(personas)
    answered = talk_services.talk_acknowledge(
        actor=personas.carl, talk=talk, dissent="所述推诿一事系工作交接造成，非本人原因。"
    )
    assert answered.acknowledgement == Acknowledgement.DISSENT
    assert answered.dissent.startswith("所述推诿")
    event = AuditEvent.objects.for_object(talk).get(action="talk.acknowledge")
    assert "交接" not in event.summary


def test_an_unsigned_record_cannot_be_acknowledged(personas: Personas) -> None:
    talk = record_talk(personas, talking(personas))
    with pytest.raises(InvalidTransition) as error:
        talk_services.talk_acknowledge(actor=personas.carl, talk=talk)
    assert error.value.code == "unsigned"


def test_only_the_cadre_talked_to_answers(personas: Personas) -> None:
    _case, talk = signed(personas)
    for person in (personas.leo, personas.alice):
        with pytest.raises(PermissionDenied):
            talk_services.talk_acknowledge(actor=person, talk=talk)


def test_the_timeline_of_a_case_includes_its_talks(personas: Personas) -> None:
    case, talk = signed(personas)
    talk_services.talk_acknowledge(actor=personas.carl, talk=talk)
    actions = [event.action for event in case_timeline(case)]
    assert actions == [
        "case.nominate",
        "case.confirm",
        "case.assign_leader",
        "talk.record",
        "talk.sign",
        "talk.acknowledge",
    ]


def test_several_talks_of_different_kinds_may_be_held(personas: Personas) -> None:
    case = talking(personas)
    record_talk(personas, case)
    record_talk(personas, case, kind=TalkKind.ADMONISHMENT)
    assert sorted(Talk.objects.filter(case=case).values_list("kind", flat=True)) == ["admonishment", "heart_to_heart"]


def test_the_same_talk_sent_again_is_not_stored_twice(personas: Personas) -> None:
    case = talking(personas)
    held_at = timezone.now() - timedelta(hours=2)
    first = record_talk(personas, case, held_at=held_at)
    with pytest.raises(AlreadyRecorded) as raised:
        record_talk(personas, case, held_at=held_at)
    assert raised.value.record == first
    assert Talk.objects.filter(case=case).count() == 1
    # Another time, or other content, is another talk.
    record_talk(personas, case, held_at=held_at - timedelta(days=1))
    record_talk(personas, case, held_at=held_at, content="再次谈话，检查整改进展。")
    assert Talk.objects.filter(case=case).count() == 3


def test_the_talk_form_asks_for_at_most_six_typed_things() -> None:
    form = TalkForm(recorders=Cadre.objects.none())
    typed = [name for name, field in form.fields.items() if not hasattr(field, "choices")]
    assert typed == list(TalkForm.TYPED_FIELDS)
    assert len(typed) + 1 <= 6  # the commitments' compact formset is the sixth
    assert form.initial["held_at"] is not None  # the time is pre-filled with now
    assert set(CommitmentFormSet().forms[0].fields) == {"text", "deadline"}


# --- the talk record PDF ------------------------------------------------------------------------------------


def record_document(talk: Talk) -> Document:
    return Document.objects.filter(kind=KIND, object_id=str(talk.pk)).latest("created_at")


def pdf_text(document: Document) -> str:
    with document.file.open("rb") as handle:
        return "".join(page_texts(handle.read()))


def test_the_cases_app_registers_the_talk_record_kind() -> None:
    assert get_document_kind(KIND).kind == "talk_record"


def test_signing_renders_the_talk_record_with_the_names_units_and_posts_in_chinese(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    case = talking(personas)
    talk = record_talk(personas, case)
    with django_capture_on_commit_callbacks(execute=True):
        talk_services.talk_sign(actor=personas.leo, talk=talk)
    document = record_document(talk)
    assert document.is_rendered, document.error
    text = pdf_text(document)
    for expected in (TITLE, "谈心谈话", "陈刚", "综合科", "科员", "李强", "东城区发展和改革局", "副局长", "刘芳"):
        assert expected in text, expected
    for heading in ("谈话类型", "事由", "主要内容", "本人表态", "后续措施及期限", "签字栏", "抄送"):
        assert heading in text, heading
    assert "每周报送工作台账" in text
    with document.file.open("rb") as handle:
        assert font_names(handle.read())  # a font is embedded for the Chinese text


def test_the_cadres_dissent_is_on_the_record_rendered_after_the_answer(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    _case, talk = signed(personas)
    with django_capture_on_commit_callbacks(execute=True):
        talk_services.talk_acknowledge(actor=personas.carl, talk=talk, dissent="不同意第二条")
    assert "不同意第二条" in pdf_text(record_document(talk))


def test_the_talk_record_is_visible_to_the_case_staff_and_the_cadre_not_to_outsiders(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    case = talking(personas)
    talk = record_talk(personas, case)
    with django_capture_on_commit_callbacks(execute=True):
        talk_services.talk_sign(actor=personas.leo, talk=talk)
    document = record_document(talk)
    for person in (personas.leo, personas.alice, personas.audrey, personas.carl):
        assert can_view_document(person, document), person
    for person in (personas.oscar, personas.ivy, personas.rita):
        assert not can_view_document(person, document), person


def test_a_nominated_case_has_no_talks(personas: Personas) -> None:
    assert not nominated(personas).talks.exists()


# --- deadlines that cannot be right ------------------------------------------------------------------------


def test_a_commitment_deadline_is_not_before_the_day_of_its_talk(personas: Personas) -> None:
    case = talking(personas)
    for year in (2019, 2020):
        with pytest.raises(ValidationError) as raised:
            record_talk(personas, case, deadline=date(year, 6, 30))
        assert list(raised.value.message_dict) == ["commitments"]
        assert f"{year}-06-30" in raised.value.message_dict["commitments"][0]
        assert "每周报送工作台账" in raised.value.message_dict["commitments"][0]
    assert not Talk.objects.filter(case=case).exists()
    # The day of the talk itself is a deadline; a talk recorded days later may carry one passed since.
    held_at = timezone.now() - timedelta(days=5)
    talk = record_talk(personas, case, deadline=timezone.localdate(held_at), held_at=held_at)
    assert talk.commitments.get().deadline == timezone.localdate(held_at)


def test_a_talk_records_at_most_twenty_commitments_whoever_calls(personas: Personas) -> None:
    case = talking(personas)
    deadline = timezone.localdate() + timedelta(days=30)
    many = [CommitmentInput(f"承诺事项 {i}", deadline) for i in range(talk_services.COMMITMENTS_PER_TALK_MAX + 1)]
    with pytest.raises(ValidationError) as raised:
        record_talk(personas, case, commitments=many)
    assert list(raised.value.message_dict) == ["commitments"]
    assert not Talk.objects.filter(case=case).exists()
    # Blank rows (the form's spare ones) do not count.
    talk = record_talk(personas, case, commitments=many[:-1] + [CommitmentInput("  ", None)] * 3)
    assert talk.commitments.count() == talk_services.COMMITMENTS_PER_TALK_MAX


def test_a_place_or_commitment_longer_than_its_column_is_refused_not_cut_short(personas: Personas) -> None:
    case = talking(personas)
    with pytest.raises(ValidationError) as raised:
        record_talk(personas, case, place="会" * 201)
    assert list(raised.value.message_dict) == ["place"]
    talk = record_talk(personas, case, place="会" * 200)
    with pytest.raises(ValidationError) as raised:
        talk_services.commitment_add(
            actor=personas.leo, case=case, talk=talk, text="诺" * 501, deadline=timezone.localdate()
        )
    assert list(raised.value.message_dict) == ["text"]
    assert talk.commitments.count() == 1  # record_talk's own


def test_a_commitment_added_later_is_not_due_before_its_talk_or_in_the_past(personas: Personas) -> None:
    case = talking(personas)
    held_at = timezone.now() - timedelta(days=5)
    talk = record_talk(personas, case, held_at=held_at)
    talk_day = timezone.localdate(held_at)
    with pytest.raises(ValidationError) as raised:
        talk_services.commitment_add(
            actor=personas.leo, case=case, talk=talk, text="追加", deadline=talk_day - timedelta(days=1)
        )
    assert list(raised.value.message_dict) == ["deadline"]
    talk_services.commitment_add(actor=personas.leo, case=case, talk=talk, text="追加", deadline=talk_day)
    # On its own (the plan page), a commitment is agreed today: its deadline is not in the past.
    with pytest.raises(ValidationError) as raised:
        talk_services.commitment_add(actor=personas.leo, case=case, text="清理积压件", deadline=date(2020, 1, 1))
    assert list(raised.value.message_dict) == ["deadline"]
    talk_services.commitment_add(actor=personas.leo, case=case, text="清理积压件", deadline=timezone.localdate())
    assert case.commitments.count() == 3


def test_a_talk_is_not_moved_after_the_deadline_of_its_commitments(personas: Personas) -> None:
    case = talking(personas)
    held_at = timezone.now() - timedelta(days=5)
    talk = record_talk(personas, case, deadline=timezone.localdate(held_at) + timedelta(days=1), held_at=held_at)
    fields: dict[str, Any] = {
        "kind": talk.kind,
        "place": talk.place,
        "recorder": talk.recorder,
        "purpose": talk.purpose,
        "content": talk.content,
    }
    with pytest.raises(ValidationError) as raised:
        talk_services.talk_update(actor=personas.leo, talk=talk, held_at=timezone.now() - timedelta(hours=1), **fields)
    assert list(raised.value.message_dict) == ["held_at"]
    talk_services.talk_update(actor=personas.leo, talk=talk, held_at=held_at + timedelta(days=1), **fields)


def test_the_pages_refuse_a_past_deadline_and_keep_what_was_typed(client: Client, personas: Personas) -> None:
    case = talking(personas)
    client.force_login(personas.leo, backend="django.contrib.auth.backends.ModelBackend")
    held = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "kind": "reminder",
        "held_at": held,
        "place": "局三楼小会议室",
        "recorder": personas.dora_cadre.pk,
        "purpose": "测评反映推诿扯皮",
        "content": "提醒其改进作风。",
        "statement": "",
        "commitments-TOTAL_FORMS": "2",
        "commitments-INITIAL_FORMS": "0",
        "commitments-MIN_NUM_FORMS": "0",
        "commitments-MAX_NUM_FORMS": "20",
        "commitments-0-text": "每周一报送周计划",
        "commitments-0-deadline": "2019-12-31",
        "commitments-1-text": "",
        "commitments-1-deadline": "",
    }
    response = client.post(reverse("cases:rectification:talk_create", args=[case.pk]), data)
    assert response.status_code == 400
    assert not Talk.objects.filter(case=case).exists()
    page = response.content.decode()
    assert "2019-12-31" in page  # in the message, and still in the field
    assert "每周一报送周计划" in page
    assert "提醒其改进作风。" in page
    # On the commitment's own row, not at the top of the talk's form.
    rows = response.context["formset"].forms
    assert any("2019-12-31" in error for error in rows[0].errors["deadline"])
    assert "deadline" not in rows[1].errors
    assert not response.context["form"].non_field_errors()

    response = client.post(
        reverse("cases:rectification:commitment_add", args=[case.pk]), {"text": "清理积压件", "deadline": "2020-03-01"}
    )
    assert response.status_code == 400
    form = response.context["commitment_form"]
    assert "deadline" in form.errors
    assert form["text"].value() == "清理积压件"
    assert not case.commitments.exists()

"""Circulars (通报): the full path, the second-person rule, numbering per issuer and year, the flag when a
named case closes rectified, the PDF in the official format, and the pages."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.rectification import circulars, period_services
from cases.rectification.circular_models import Circular, CircularState
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import RectificationCase
from cases.rectification.visit_models import VisitVerdict
from project.audit.models import AuditEvent
from project.documents.models import Document
from project.org.models import Role, User
from project.org.services import role_grant
from tests.cases.rectification.states import closed_rectified, confirmed, escalated, nominated, verifying
from tests.cases.rectification.visit_states import executed
from tests.conftest import Org, Personas, make_cadre, make_user
from tests.documents.pdfs import page_texts
from tests.services import require_postgres

TITLE = "关于陈刚同志工作作风问题的通报"


@pytest.fixture
def bob(org: Org, personas: Personas) -> User:
    """A second organization department member of district A."""
    user = make_user("bob", "吴波")
    role_grant(actor=None, user=user, role=Role.ORG_ADMIN, unit=org.district_a)
    return user


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"cases:rectification:{name}", kwargs=kwargs or None)


def drafted(
    org: Org, personas: Personas, cases: list[RectificationCase] | None = None, code: str = "东组通"
) -> Circular:
    return circulars.circular_create(
        actor=personas.alice,
        unit=org.district_a,
        issuing_body="中共东城区委组织部",
        issuer_code=code,
        title=TITLE,
        addressees="各镇（街道）党（工）委，区级各部门",
        facts="经暗访，陈刚同志多次在工作时间观看网络视频。",
        decision="依据有关规定，对其予以诫勉。",
        nature="严重影响机关作风和群众办事体验。",
        requirements="各单位要引以为戒，举一反三。",
        cases=cases or [],
    )


def approved(org: Org, personas: Personas, bob: User, **kwargs: Any) -> Circular:
    circular = circulars.circular_submit(actor=personas.alice, circular=drafted(org, personas, **kwargs))
    return circulars.circular_approve(actor=bob, circular=circular)


def published(org: Org, personas: Personas, bob: User, on: date | None = None, **kwargs: Any) -> Circular:
    return circulars.circular_publish(actor=personas.alice, circular=approved(org, personas, bob, **kwargs), on=on)


@pytest.mark.django_db
def test_the_full_path_from_draft_to_withdrawal(org: Org, personas: Personas, bob: User) -> None:
    circular = published(org, personas, bob, on=date(2026, 3, 2))
    assert circular.state == CircularState.PUBLISHED
    assert circular.number == "东组通〔2026〕1号"
    assert circular.approver == bob
    withdrawn = circulars.circular_withdraw(actor=personas.alice, circular=circular, reason="当事人已整改到位。")
    assert withdrawn.state == CircularState.WITHDRAWN
    actions = list(
        AuditEvent.objects.filter(object_id=str(circular.pk), action__startswith="circular.").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "circular.draft", "circular.submit", "circular.approve", "circular.publish", "circular.withdraw"
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_drafter_cannot_approve(org: Org, personas: Personas, bob: User) -> None:
    circular = circulars.circular_submit(actor=personas.alice, circular=drafted(org, personas))
    with pytest.raises(PermissionDenied):
        circulars.circular_approve(actor=personas.alice, circular=circular)
    response = login(Client(), personas.alice).post(url("circular_action", pk=circular.pk, action="approve"))
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_database_refuses_an_approver_who_drafted(org: Org, personas: Personas) -> None:
    circular = drafted(org, personas)
    with pytest.raises(IntegrityError), transaction.atomic():
        Circular.objects.filter(pk=circular.pk).update(approver=personas.alice)


@pytest.mark.django_db
def test_steps_out_of_order_are_conflicts(org: Org, personas: Personas, bob: User) -> None:
    circular = drafted(org, personas)
    with pytest.raises(InvalidTransition):
        circulars.circular_publish(actor=personas.alice, circular=circular)
    response = login(Client(), bob).post(url("circular_action", pk=circular.pk, action="approve"))
    assert response.status_code == 409


@pytest.mark.django_db
def test_numbers_run_per_issuer_and_year(org: Org, personas: Personas, bob: User) -> None:
    first = published(org, personas, bob, on=date(2026, 3, 2))
    second = published(org, personas, bob, on=date(2026, 5, 6))
    other_issuer = published(org, personas, bob, on=date(2026, 5, 6), code="东纪通")
    next_year = published(org, personas, bob, on=date(2027, 1, 5))
    assert [first.number, second.number] == ["东组通〔2026〕1号", "东组通〔2026〕2号"]
    assert other_issuer.number == "东纪通〔2026〕1号"
    assert next_year.number == "东组通〔2027〕1号"
    with pytest.raises(IntegrityError), transaction.atomic():
        Circular.objects.filter(pk=second.pk).update(serial=1)


@pytest.mark.django_db
def test_a_title_not_of_the_official_form_is_refused(org: Org, personas: Personas) -> None:
    with pytest.raises(ValidationError):
        circulars.circular_create(
            actor=personas.alice, unit=org.district_a, issuing_body="区委组织部", issuer_code="东组通",
            title="陈刚的问题", addressees="各单位", facts="事实", decision="决定", nature="性质", requirements="要求",
        )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "length"), [("issuing_body", 201), ("issuer_code", 21), ("addressees", 501)])
def test_a_heading_longer_than_its_column_is_refused_on_its_field(
    org: Org, personas: Personas, field: str, length: int
) -> None:
    # On PostgreSQL the column would refuse it with a server error; the service says which field instead.
    fields = {
        "issuing_body": "区委组织部", "issuer_code": "东组通", "title": TITLE, "addressees": "各单位",
        "facts": "事实", "decision": "决定", "nature": "性质", "requirements": "要求",
    }  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        circulars.circular_create(actor=personas.alice, unit=org.district_a, **(fields | {field: "字" * length}))
    assert list(raised.value.message_dict) == [field]
    assert not Circular.objects.exists()


@pytest.mark.django_db
def test_only_a_confirmed_target_is_named_whatever_the_page_offered(org: Org, personas: Personas) -> None:
    # The service's own rule, so that the API names no nominated case either.
    pending = nominated(personas)
    with pytest.raises(ValidationError) as raised:
        drafted(org, personas, cases=[pending])
    assert list(raised.value.message_dict) == ["cases"]
    assert not Circular.objects.exists()


@pytest.mark.django_db
def test_only_the_organization_department_drafts(org: Org, personas: Personas) -> None:
    for actor in (personas.leo, personas.ivy, personas.audrey, personas.oscar):
        with pytest.raises(PermissionDenied):
            circulars.circular_create(
                actor=actor, unit=org.district_a, issuing_body="区委组织部", issuer_code="东组通", title=TITLE,
                addressees="各单位", facts="事实", decision="决定", nature="性质", requirements="要求",
            )  # fmt: skip


@pytest.mark.django_db
def test_a_circular_naming_a_case_that_closes_rectified_is_flagged(org: Org, personas: Personas, bob: User) -> None:
    case = verifying(personas)
    circular = published(org, personas, bob, cases=[case])
    executed(personas, VisitVerdict.IMPROVED, case)
    period_services.case_close_rectified(actor=personas.alice, case=case)
    circular.refresh_from_db()
    assert circular.needs_withdrawal
    assert AuditEvent.objects.filter(action="circular.flag", object_id=str(circular.pk)).exists()
    page = login(Client(), personas.alice).get(url("circular_list")).content.decode()
    assert "东组通〔" in page


@pytest.mark.django_db
def test_publishing_renders_the_pdf_with_the_number_and_title(
    org: Org, personas: Personas, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    circular = approved(org, personas, bob)
    with django_capture_on_commit_callbacks(execute=True):
        circulars.circular_publish(actor=personas.alice, circular=circular, on=date(2026, 3, 2))
    document = Document.objects.get(kind="circular", object_id=str(circular.pk))
    assert document.is_rendered, document.error
    with document.file.open("rb") as handle:
        text = "".join(page_texts(handle.read()))
    compact = "".join(text.split())
    for expected in ("东组通〔2026〕1号", TITLE, "各镇（街道）", "特此通报", "中共东城区委组织部"):
        assert expected in compact, expected


@pytest.mark.django_db
def test_the_case_page_offers_a_circular_once_escalated(
    org: Org, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = escalated(personas, monkeypatch)
    create = url("circular_create")
    assert create in login(Client(), personas.alice).get(url("detail", pk=case.pk)).content.decode()
    assert create not in login(Client(), personas.leo).get(url("detail", pk=case.pk)).content.decode()


@pytest.mark.django_db
def test_the_pages(org: Org, personas: Personas, bob: User) -> None:
    client = login(Client(), personas.alice)
    assert Client().get(url("circular_list")).status_code == 302
    response = client.post(
        url("circular_create"),
        {
            "unit": org.district_a.pk, "issuing_body": "中共东城区委组织部", "issuer_code": "东组通",
            "title": f"《{TITLE}》", "addressees": "各单位", "facts": "事实", "decision": "决定",
            "nature": "性质", "requirements": "要求",
        },
    )  # fmt: skip
    assert response.status_code == 302
    circular = Circular.objects.get()
    assert circular.title == TITLE
    assert client.get(url("circular_detail", pk=circular.pk)).status_code == 200
    assert AuditEvent.objects.filter(action="read", object_id=str(circular.pk)).exists()
    assert login(Client(), personas.oscar).get(url("circular_detail", pk=circular.pk)).status_code == 404
    assert login(Client(), personas.leo).get(url("circular_detail", pk=circular.pk)).status_code == 404
    assert login(Client(), personas.leo).get(url("circular_create")).status_code == 403
    assert client.get(url("circular_action", pk=circular.pk, action="submit")).status_code == 405
    assert client.post(url("circular_action", pk=circular.pk, action="submit")).status_code == 302
    assert login(Client(), bob).post(url("circular_action", pk=circular.pk, action="approve")).status_code == 302
    assert client.post(url("circular_action", pk=circular.pk, action="publish")).status_code == 302
    circular.refresh_from_db()
    assert circular.number in client.get(url("circular_list")).content.decode()


THREADS = 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_never_share_a_number(org: Org, personas: Personas, bob: User) -> None:
    require_postgres()
    pending = [approved(org, personas, bob).pk for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def publish(pk: int) -> None:
        try:
            actor = User.objects.get(pk=personas.alice.pk)
            circular = Circular.objects.get(pk=pk)
            start.wait()
            circulars.circular_publish(actor=actor, circular=circular, on=date(2026, 6, 1))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(pk,)) for pk in pending]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    serials = sorted(Circular.objects.filter(pk__in=pending).values_list("serial", flat=True))
    assert serials == list(range(1, THREADS + 1))


@pytest.mark.django_db
def test_the_register_costs_the_same_queries_for_one_circular_or_three(
    org: Org, personas: Personas, bob: User, django_assert_max_num_queries: Any
) -> None:
    published(org, personas, bob)
    client = login(Client(), personas.alice)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url("circular_list")).status_code == 200
    published(org, personas, bob)
    drafted(org, personas)
    with django_assert_max_num_queries(len(one)):
        client.get(url("circular_list"))


@pytest.mark.django_db
def test_a_drafter_cannot_name_their_own_case_nor_one_outside_the_unit(org: Org, personas: Personas) -> None:
    case = verifying(personas)  # carl's
    role_grant(actor=None, user=personas.carl, role=Role.ORG_ADMIN, unit=org.district_a)
    carl = User.objects.get(pk=personas.carl.pk)
    sections = {"addressees": "各单位", "facts": "事实", "decision": "决定", "nature": "性质", "requirements": "要求"}
    with pytest.raises(PermissionDenied):
        circulars.circular_create(
            actor=carl, unit=org.district_a, issuing_body="东城区委组织部", issuer_code="东组通", title=TITLE,
            cases=[case], **sections,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        circulars.circular_create(
            actor=personas.oscar, unit=org.district_b, issuing_body="西城区委组织部", issuer_code="西组通",
            title=TITLE, cases=[case], **sections,
        )  # fmt: skip


@pytest.mark.django_db
def test_a_circular_about_a_case_starts_from_what_is_known(
    org: Org, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = escalated(personas, monkeypatch)
    client = login(Client(), personas.alice)

    first = client.get(url("circular_create"), {"case": case.pk}).context["form"].initial
    assert first["title"] == f"关于{case.unit.name}{case.cadre.name}同志躺平问题的通报"
    assert first["cases"] == [case.pk]
    assert str(case.get_handling_measure_display()).split("(")[-1].rstrip(")") in first["decision"]
    assert "issuing_body" not in first  # nothing to repeat yet

    drafted(org, personas)
    again = client.get(url("circular_create"), {"case": case.pk}).context["form"].initial
    assert again["issuing_body"] == "中共东城区委组织部"
    assert again["addressees"] == "各镇（街道）党（工）委，区级各部门"


@pytest.mark.django_db
def test_a_case_the_user_may_not_see_fills_nothing(
    org: Org, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = escalated(personas, monkeypatch)
    initial = login(Client(), personas.oscar).get(url("circular_create"), {"case": case.pk}).context["form"].initial
    assert "title" not in initial


@pytest.mark.django_db
def test_the_draft_page_starts_from_a_chosen_case(
    org: Org, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = escalated(personas, monkeypatch)
    client = login(Client(), personas.alice)

    page = client.get(url("circular_create")).content.decode()
    assert 'id="start-case"' in page
    assert f'<option value="{case.pk}">' in page

    chosen = client.get(url("circular_create"), {"case": case.pk}).content.decode()
    assert f'<option value="{case.pk}" selected>' in chosen
    assert f"关于{case.unit.name}{case.cadre.name}同志躺平问题的通报" in chosen
    for nonsense in ("²", "9" * 40, "-1", "abc"):
        assert client.get(url("circular_create"), {"case": nonsense}).status_code == 200


FINDINGS = [{"code": "composite", "decisive": True, "zh": "综合指数 2.41 ≥ 2.0", "en": "composite 2.41 ≥ 2.0"}]


@pytest.mark.django_db
def test_filling_from_a_case_keeps_what_was_typed(
    org: Org, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = escalated(personas, monkeypatch)
    RectificationCase.objects.filter(pk=case.pk).update(evidence={"flags": FINDINGS})
    client = login(Client(), personas.alice)
    typed = "经暗访，陈刚同志多次在工作时间观看网络视频。"
    response = client.post(
        url("circular_create"), {"fill": "1", "case": case.pk, "facts": typed, "nature": "  ", "decision": ""}
    )
    assert response.status_code == 200
    assert not Circular.objects.exists()  # filling saves nothing
    initial = response.context["form"].initial
    assert initial["facts"] == typed  # the case's findings do not replace the text typed
    assert initial["title"] == f"关于{case.unit.name}{case.cadre.name}同志躺平问题的通报"
    assert "诫勉" in initial["decision"]  # an empty field is filled
    assert initial["cases"] == [str(case.pk)]
    fill, fields = response.context["fill"], response.context["form"].fields
    assert fill["from_case"] == [fields[name].label for name in ("title", "decision", "cases")]
    assert fill["kept"] == [fields["facts"].label]
    page = response.content.decode()
    assert typed in page
    assert 'name="fill"' in page


@pytest.mark.django_db
def test_filling_keeps_the_cases_already_named(org: Org, personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    case = escalated(personas, monkeypatch)
    other = escalated(personas, monkeypatch, cadre=personas.dora_cadre)
    client = login(Client(), personas.alice)
    response = client.post(url("circular_create"), {"fill": "1", "case": case.pk, "cases": [other.pk]})
    assert response.context["form"].initial["cases"] == [str(other.pk), str(case.pk)]
    refused = client.post(url("circular_create"), {"fill": "1", "case": "abc", "facts": "事实"})
    assert refused.status_code == 200
    assert refused.context["form"].initial["facts"] == "事实"
    assert refused.context["fill"]["case"] is None


@pytest.mark.django_db
def test_the_picker_offers_only_cases_that_may_be_named(
    org: Org, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = escalated(personas, monkeypatch)
    pending = nominated(personas, cadre=personas.dora_cadre)
    rectified = closed_rectified(personas, monkeypatch, cadre=make_cadre(org.section_1, "A-0091", "王强"))
    target = confirmed(personas, cadre=make_cadre(org.section_2, "A-0092", "赵敏"))
    client = login(Client(), personas.alice)
    response = client.get(url("circular_create"))
    assert [case.pk for case in response.context["start_cases"]] == [target.pk, named.pk]
    assert [case.pk for case in response.context["form"].fields["cases"].queryset] == [target.pk, named.pk]
    page = response.content.decode()
    for refused in (pending, rectified):  # by the cadre's name: an option's value may equal a unit's id
        assert refused.cadre.name not in page
    # Not even by hand: the nominated case is no valid choice, and asking to start from it fills nothing.
    assert "title" not in client.get(url("circular_create"), {"case": pending.pk}).context["form"].initial
    posted = client.post(
        url("circular_create"),
        {
            "unit": org.district_a.pk, "issuing_body": "中共东城区委组织部", "issuer_code": "东组通", "title": TITLE,
            "addressees": "各单位", "facts": "事实", "decision": "决定", "nature": "性质", "requirements": "要求",
            "cases": [pending.pk],
        },
    )  # fmt: skip
    assert posted.status_code == 400
    assert not Circular.objects.exists()


@pytest.mark.django_db
def test_submitting_says_what_comes_next(org: Org, personas: Personas) -> None:
    client = login(Client(), personas.alice)
    alone = drafted(org, personas)
    response = client.post(url("circular_action", pk=alone.pk, action="submit"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    text = [str(message) for message in response.context["messages"]]
    assert len(text) == 1
    assert "nobody can approve it yet" in text[0]

    role_grant(actor=None, user=make_user("bob", "吴波"), role=Role.ORG_ADMIN, unit=org.city)
    second = drafted(org, personas)
    response = client.post(
        url("circular_action", pk=second.pk, action="submit"), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    text = [str(message) for message in response.context["messages"]]
    assert text == [
        "Submitted for approval: a second person of the organization department approves it before it is published."
    ]

"""`manage.py bench_cases [--cases 100000] [--repeat 5] [--circulars 262]`: how fast the rectification case
pages and documents are at scale (issue 4), on the CURRENT database (use a scratch PostgreSQL database).

Seeding (once per `--tag`; the rows stay): a district with 20 towns of 10 sections each, one leader per
section, an organization department (org_admin over the district, staff with the case model's view
permission so that the Django admin can be compared), `--cases` cadres with one case each, spread over the
sections (±40 %), the states (weights in STATE_WEIGHTS), manifestations, leaders, creation dates over three
years and rectification periods (some past their end), plus open and done commitments (some past their
deadline). Rows are written with COPY (evaluations.bulk), not through the services: only the pages are
measured here, and the services' per-row audit trail would take an hour for 100,000 cases.

Measured, each the median of `--repeat` requests through Django's test client (the whole request: middleware,
session, user, view, template), logged in as the org_admin (and a leader):
- the case list for each filter (unit, state, manifestation, overdue, two sorts, a deep page, the exact total
  the list counts only on request: `count=all`) against a
  minimal view returning the SAME page as JSON from one `values()` query (selectors.case_list(...).values(...)),
  and against the Django admin changelist of the case model; query counts, at 25 and at 100 rows a page;
- the leader's list (their own cases) against the org_admin's unfiltered list;
- the talk-record PDF (build + WeasyPrint, as the render task does) against WeasyPrint rendering a plain
  two-page HTML document in the same CJK font, judged on this process's CPU time (wall time shown too);
- `--circulars` circular PDFs requested in one transaction and rendered by a real Celery worker
  (`celery -A project worker -Q pdf --concurrency 2`, started by this command) over the configured broker,
  which must be Redis (CELERY_BROKER_URL=redis://…): from the commit to the last document rendered.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import timezone, translation

from cases.rectification import documents as talk_documents
from cases.rectification import selectors
from cases.rectification.circular_models import Circular, CircularState
from cases.rectification.circulars import CIRCULAR_KIND
from cases.rectification.models import CaseState, Commitment, CommitmentStatus, Manifestation, RectificationCase, Talk
from evaluations.bulk import BulkInserter, json_text
from project.documents.codes import new_verification_code
from project.documents.models import Document, DocumentStatus
from project.documents.registry import get_document_kind
from project.documents.renderer import INTERNAL_BASE_URL, PDF_LANGUAGE, render_pdf
from project.documents.services import document_request
from project.org.models import Cadre, Role, RoleGrant, Unit, User, encode_step
from project.org.services import role_grant, unit_create

TARGET_LIST_RATIO = 1.3
TARGET_QUERIES = 8
TARGET_LEADER_RATIO = 1.5
TARGET_PDF_RATIO = 1.5
TARGET_CIRCULARS_SECONDS = 60.0

TOWNS, SECTIONS_PER_TOWN = 20, 10
# Django's mark for "no password can log in" (what set_unusable_password stores, without its random suffix).
UNUSABLE = "!"
STATE_WEIGHTS: dict[str, int] = {
    CaseState.NOMINATED: 8,
    CaseState.DISMISSED: 10,
    CaseState.CONFIRMED: 7,
    CaseState.TALKING: 12,
    CaseState.RECTIFYING: 25,
    CaseState.VERIFYING: 8,
    CaseState.CLOSED_RECTIFIED: 22,
    CaseState.ESCALATED: 2,
    CaseState.CLOSED_HANDLED: 4,
    CaseState.WITHDRAWN: 2,
}
_WITHOUT_LEADER = {CaseState.NOMINATED, CaseState.DISMISSED}
_WITH_PERIOD = {
    CaseState.RECTIFYING,
    CaseState.VERIFYING,
    CaseState.CLOSED_RECTIFIED,
    CaseState.ESCALATED,
    CaseState.CLOSED_HANDLED,
}
_CLOSED = {CaseState.CLOSED_RECTIFIED, CaseState.CLOSED_HANDLED, CaseState.WITHDRAWN, CaseState.DISMISSED}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁"


# --- the minimal view the case list is compared with (mounted on a urlconf of this module) -------------


def minimal_case_page(request: HttpRequest) -> HttpResponse:
    """The same page of the same rows as the case list, from one values() query, as JSON."""
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    get = request.GET
    unit, unit_ids = None, None
    if get.get("unit"):
        # The unit and its subtree in one query (the list has them among the units its filter offers).
        path_of = Unit.objects.filter(pk=int(get["unit"])).values("path")[:1]
        subtree = list(Unit.objects.filter(path__startswith=Subquery(path_of)))
        unit = next((u for u in subtree if u.pk == int(get["unit"])), None)
        unit_ids = tuple(u.pk for u in subtree)
    filters = selectors.CaseFilters(
        unit=unit,
        unit_ids=unit_ids,
        state=get.get("state", ""),
        manifestation=get.get("manifestation", ""),
        overdue=bool(get.get("overdue")),
        sort=get.get("sort") or selectors.DEFAULT_SORT,
    )
    size, page = int(get.get("size") or 25), int(get.get("page") or 1)
    cases = selectors.case_list(user=request.user, today=timezone.localdate(), filters=filters)
    columns = ("pk", "cadre__name", "unit__name", "state", "manifestations", "leader__display_name")
    rows = list(cases.values(*columns, "period_end", "repeat_offence", "is_overdue")[(page - 1) * size : page * size])
    return JsonResponse({"rows": rows}, json_dumps_params={"default": str})


def __getattr__(name: str) -> Any:
    # This module is the urlconf while the lists are measured: the site's URLs plus the minimal view. Built
    # on first use (PEP 562), so that importing the command does not import every app's views.
    if name == "urlpatterns":
        return [path("__bench__/cases/", minimal_case_page), path("", include(SITE_URLCONF))]
    raise AttributeError(name)


SITE_URLCONF = settings.ROOT_URLCONF


# --- seeding --------------------------------------------------------------------------------------------


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _row(model: type[models.Model], columns: list[str], values: dict[str, Any]) -> tuple[Any, ...]:
    """A row for BulkInserter: given values, else the field's default; JSON encoded as the column stores it."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    row = []
    for name in columns:
        model_field = fields[name]
        value = values[name] if name in values else model_field.get_default()
        if isinstance(model_field, models.JSONField):
            value = json_text(value)
        row.append(value)
    return tuple(row)


def _columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


@dataclass
class Seeded:
    root: Unit
    admin: User
    leader: User
    cases: int
    seconds: float = 0.0


def seed(tag: str, cases: int, rng: random.Random, log: Callable[[str], None]) -> Seeded:
    """All or nothing (one transaction), so that a failed seeding leaves no half district behind."""
    with transaction.atomic():
        seeded = _seed(tag, cases, rng, log)
    if connection.vendor == "postgresql":
        # What autovacuum would do a little later: planner statistics, and the visibility map for index-only scans.
        # VACUUM cannot run in a transaction (a test's), ANALYZE can.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in (Cadre, RectificationCase, Commitment, Unit):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    return seeded


def _seed(tag: str, cases: int, rng: random.Random, log: Callable[[str], None]) -> Seeded:
    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    admin = User.objects.create(username=f"bench-admin-{tag}".lower(), display_name=f"组织部 {tag}", is_staff=True)
    admin.set_unusable_password()
    admin.save()
    admin.user_permissions.add(Permission.objects.get(codename=f"view_{RectificationCase._meta.model_name}"))
    root = unit_create(actor=None, name=f"基准测试区 {tag}", code=tag)
    role_grant(actor=None, user=admin, role=Role.ORG_ADMIN, unit=root)
    towns = Unit.objects.bulk_create(
        Unit(
            name=f"{tag} 第{t + 1}镇",
            code=f"{tag}-{t + 1:02d}",
            parent=root,
            path=root.path + encode_step(t),
            depth=root.depth + 1,
        )
        for t in range(TOWNS)
    )
    sections = Unit.objects.bulk_create(
        Unit(
            name=f"{town.name}第{s + 1}科",
            code=f"{town.code}-{s + 1:02d}",
            parent=town,
            path=town.path + encode_step(s),
            depth=root.depth + 2,
        )
        for town in towns
        for s in range(SECTIONS_PER_TOWN)
    )
    leaders = User.objects.bulk_create(
        User(
            username=f"bench-leader-{tag}-{i + 1}".lower(), display_name=f"{_name(rng)}（分管领导）", password=UNUSABLE
        )
        for i in range(len(sections))
    )
    RoleGrant.objects.bulk_create(
        RoleGrant(user=leader, role=Role.LEADER, unit=unit) for leader, unit in zip(leaders, sections, strict=True)
    )
    log(f"  {len(towns)} towns, {len(sections)} sections, {len(leaders)} leaders")

    weights = [1.0 + rng.uniform(-0.4, 0.4) for _ in sections]
    placed = rng.choices(range(len(sections)), weights=weights, k=cases)
    cadre_columns = _columns(Cadre)
    cadres = BulkInserter(Cadre, cadre_columns)
    for i, section_index in enumerate(placed):
        cadres.add(
            _row(
                Cadre,
                cadre_columns,
                {
                    "external_id": f"{tag}-{i + 1:06d}",
                    "name": _name(rng),
                    "gender": rng.choice("MF"),
                    "birth_date": date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28)),
                    "unit_id": sections[section_index].pk,
                    "post": rng.choice(("科员", "副科长", "主任科员", "一级主任科员")),
                    "rank": rng.choice(("一级科员", "四级主任科员", "二级主任科员")),
                    "user_id": None,
                },
            )
        )
    with transaction.atomic():
        cadres.flush()
    cadre_ids = dict(Cadre.objects.filter(unit__path__startswith=root.path).values_list("external_id", "pk"))
    log(f"  {len(cadre_ids)} cadres")

    case_columns = _columns(RectificationCase)
    case_rows = BulkInserter(RectificationCase, case_columns)
    states, state_weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
    codes = [code for code, _label in Manifestation.choices]
    section_leader = {section.pk: leader for section, leader in zip(sections, leaders, strict=True)}
    plans: list[tuple[str, str, date | None]] = []  # external id, state, period end: for the commitments
    for i, section_index in enumerate(placed):
        external_id = f"{tag}-{i + 1:06d}"
        state = rng.choices(states, weights=state_weights)[0]
        created = now - timedelta(days=rng.uniform(0, 3 * 365))
        section = sections[section_index]
        # Mostly the section's own leader; some cases are led from another section of the town.
        leader = section_leader[section.pk] if rng.random() < 0.85 else rng.choice(leaders)
        period_start = period_end = None
        if state in _WITH_PERIOD:
            period_start = (created + timedelta(days=rng.randint(20, 60))).date()
            period_end = period_start + timedelta(days=rng.choice((90, 180)))
            if state == CaseState.RECTIFYING and rng.random() < 0.8:  # most rectifying periods still running
                period_end = max(period_end, today + timedelta(days=rng.randint(1, 150)))
        values = {
            "state": state,
            "cadre_id": cadre_ids[external_id],
            "unit_id": section.pk,
            "manifestations": rng.sample(codes, rng.choice((1, 1, 2, 2, 3))),
            "evidence": {"composite": round(rng.uniform(2.0, 3.4), 2)},
            "opening_reason": "",
            "nominated_by_id": admin.pk,
            "determined_by_id": None if state == CaseState.NOMINATED else admin.pk,
            "determined_at": None if state == CaseState.NOMINATED else created + timedelta(days=7),
            "leader_id": None if state in _WITHOUT_LEADER else leader.pk,
            "leader_assigned_at": None if state in _WITHOUT_LEADER else created + timedelta(days=8),
            "period_start": period_start,
            "period_end": period_end,
            "repeat_offence": rng.random() < 0.03,
            "closed_at": created + timedelta(days=250) if state in _CLOSED else None,
            "created_at": created,
            "updated_at": created,
        }
        case_rows.add(_row(RectificationCase, case_columns, values))
        plans.append((external_id, state, period_end))
    with transaction.atomic():
        case_rows.flush()
    case_of = dict(
        RectificationCase.objects.filter(unit__path__startswith=root.path).values_list("cadre__external_id", "pk")
    )
    log(f"  {len(case_of)} cases")

    commitment_columns = _columns(Commitment)
    commitments = BulkInserter(Commitment, commitment_columns)
    with_commitments = {CaseState.TALKING, CaseState.RECTIFYING, CaseState.VERIFYING, CaseState.CLOSED_RECTIFIED}
    for external_id, state, period_end in plans:
        if state not in with_commitments:
            continue
        for _ in range(rng.choice((1, 2, 3))):
            deadline = (period_end or today + timedelta(days=60)) - timedelta(days=rng.randint(0, 80))
            done = state in (CaseState.VERIFYING, CaseState.CLOSED_RECTIFIED) or rng.random() < 0.5
            if not done and state == CaseState.TALKING:
                deadline = today + timedelta(days=rng.randint(-20, 60))  # some already late
            values = {
                "case_id": case_of[external_id],
                "talk_id": None,
                "text": "按时到岗，主动认领并按期办结交办事项",
                "deadline": deadline,
                "status": CommitmentStatus.DONE if done else CommitmentStatus.OPEN,
                "done_at": now if done else None,
                "done_by_id": admin.pk if done else None,
                "created_by_id": admin.pk,
                "created_at": now,
            }
            commitments.add(_row(Commitment, commitment_columns, values))
    with transaction.atomic():
        commitments.flush()
    log(f"  {commitments.count} commitments")
    # The leader measured: the one with the median number of visible cases.
    counts = sorted(
        RectificationCase.objects.filter(leader__in=leaders)
        .values("leader_id")
        .annotate(n=models.Count("pk"))
        .values_list("n", "leader_id")
    )
    leader = User.objects.get(pk=counts[len(counts) // 2][1])
    return Seeded(root, admin, leader, len(case_of), time.perf_counter() - started)


def existing(tag: str) -> Seeded | None:
    root = Unit.objects.filter(code=tag).first()
    if root is None:
        return None
    admin = User.objects.get(username=f"bench-admin-{tag}".lower())
    cases = RectificationCase.objects.filter(unit__path__startswith=root.path)
    counts = sorted(
        cases.exclude(leader=None).values("leader_id").annotate(n=models.Count("pk")).values_list("n", "leader_id")
    )
    leader = User.objects.get(pk=counts[len(counts) // 2][1])
    return Seeded(root, admin, leader, cases.count())


# --- measuring ------------------------------------------------------------------------------------------


@dataclass
class Timed:
    seconds: float
    queries: int


def _median_request(client: Client, url: str, repeat: int) -> Timed:
    client.get(url)  # warm: templates compiled, pages in the database's cache
    runs, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            runs.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise CommandError(f"GET {url} answered {response.status_code}")
        queries = len(captured.captured_queries)
    return Timed(statistics.median(runs), queries)


def _median(work: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """The median wall time and the median CPU time of this process (seconds) of `repeat` runs of `work`.

    A PDF is rendered in this one thread: its CPU time is the work done, whatever else the machine runs; its
    wall time also counts the time other processes held the core.
    """
    work()
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


@dataclass
class ListRow:
    name: str
    query: str
    rows: int
    page: Timed
    minimal: Timed
    admin: Timed | None = None
    page_100: Timed | None = None

    @property
    def ratio(self) -> float:
        return self.page.seconds / self.minimal.seconds


@dataclass
class Figures:
    machine: dict[str, str]
    cases: int
    repeat: int
    lists: list[ListRow] = field(default_factory=list)
    leader: Timed | None = None
    leader_rows: int = 0
    admin_all: Timed | None = None
    talk_pdf: float = 0.0
    plain_pdf: float = 0.0
    talk_pdf_cpu: float = 0.0
    plain_pdf_cpu: float = 0.0
    pdf_pages: tuple[int, int] = (0, 0)
    circulars: int = 0
    circulars_seconds: float = 0.0
    circulars_rendered: int = 0
    circulars_failed: int = 0


def machine() -> dict[str, str]:
    cpu, memory = "unknown", "unknown"
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo", encoding="utf-8"):  # noqa: SIM115
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in open("/proc/meminfo", encoding="utf-8"):  # noqa: SIM115
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        database = str(cursor.fetchone()[0])
    return {
        "date": timezone.localtime().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "database": database.split(" on ")[0] if connection.vendor == "postgresql" else f"SQLite {database}",
        "load": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


PLAIN_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 2.5cm }} body {{ font-family: "WenQuanYi Micro Hei", sans-serif; font-size: 12pt;
line-height: 1.6 }}</style></head><body><h1>谈话记录</h1>{paragraphs}</body></html>"""


def plain_pdf() -> bytes:
    """WeasyPrint alone: a plain two-page document in the PDFs' CJK font, no template, no database."""
    from weasyprint import HTML

    paragraph = "<p>" + "按照干部作风建设的要求，对照岗位职责逐项检查，认真查找工作中存在的问题。" * 6 + "</p>"
    return bytes(HTML(string=PLAIN_HTML.format(paragraphs=paragraph * 9)).write_pdf())


def _pages(pdf: bytes) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:  # a dev dependency
        return 0
    return len(PdfReader(io.BytesIO(pdf)).pages)


class Command(BaseCommand):
    help = "Benchmark the rectification case pages and PDFs on --cases synthetic cases; print the figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=5, help="requests per measurement (median)")
        parser.add_argument("--circulars", type=int, default=262, help="circular PDFs for the worker (0: skip)")
        parser.add_argument("--concurrency", type=int, default=2, help="the PDF worker's processes")
        parser.add_argument("--tag", default="BENCHC", help="unit code of the synthetic district (reused if there)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--only", choices=("lists", "pdf", "circulars"), action="append")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON, not Markdown")
        parser.add_argument(
            "--allow-production", action="store_true", help="run with DEBUG off (it writes synthetic cases)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("bench_cases writes synthetic cases: run it with DJANGO_DEBUG=1 on a scratch database.")
        parts = set(options["only"] or ("lists", "pdf", "circulars"))
        if "circulars" in parts and options["circulars"] and not settings.CELERY_BROKER_URL.startswith("redis://"):
            raise CommandError("The circular benchmark needs CELERY_BROKER_URL=redis://… (or --circulars 0).")
        figures = Figures(machine=machine(), cases=0, repeat=options["repeat"])
        seeded = existing(options["tag"])
        if seeded is None:
            self.stderr.write(f"seeding {options['cases']} cases …")
            seeded = seed(options["tag"], options["cases"], random.Random(options["seed"]), self.stderr.write)
            self.stderr.write(f"seeded in {seeded.seconds:.0f} s")
        figures.cases = seeded.cases
        if "lists" in parts:
            self._lists(seeded, figures)
        if "pdf" in parts:
            self._pdf(seeded, figures)
        if "circulars" in parts and options["circulars"]:
            self._circulars(seeded, figures, options["circulars"], options["concurrency"])
        if options["json"]:
            self.stdout.write(json.dumps(_as_json(figures), ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write(markdown(figures))

    # The lists -------------------------------------------------------------------------------------------

    def _lists(self, seeded: Seeded, figures: Figures) -> None:
        repeat = figures.repeat
        town = Unit.objects.filter(parent=seeded.root).order_by("path").first()
        variants: list[tuple[str, dict[str, Any]]] = [
            ("all, newest first", {}),
            ("unit (a town)", {"unit": town.pk if town else ""}),
            ("state rectifying", {"state": CaseState.RECTIFYING}),
            ("manifestation M3", {"manifestation": "M3"}),
            ("overdue", {"overdue": "on"}),
            ("sorted by cadre", {"sort": "cadre"}),
            ("sorted by unit", {"sort": "unit"}),
            ("page 200", {"page": "200"}),
            # The list counts at most 1,000 rows ("more than 1,000 cases"); the exact total is a click away.
            ("all, exact total", {"count": "all"}),
        ]
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=hosts), translation.override("zh-hans"):
            admin_client, leader_client = Client(), Client()
            admin_client.force_login(seeded.admin)
            leader_client.force_login(seeded.leader)
            list_url = reverse("cases:rectification:list")
            changelist = reverse(f"admin:{RectificationCase._meta.app_label}_rectificationcase_changelist")
            for name, params in variants:
                self.stderr.write(f"list: {name} …")
                query = "&".join(f"{k}={v}" for k, v in params.items())
                row = ListRow(
                    name=name,
                    query=query,
                    rows=self._rows(seeded.admin, params),
                    page=_median_request(admin_client, f"{list_url}?{query}", repeat),
                    minimal=_median_request(admin_client, f"/__bench__/cases/?{query}", repeat),
                )
                row.page_100 = _median_request(admin_client, f"{list_url}?{query}&size=100", max(1, repeat // 2))
                if name == "all, newest first":
                    row.admin = _median_request(admin_client, changelist, repeat)
                if name == "state rectifying":
                    row.admin = _median_request(admin_client, f"{changelist}?state__exact=rectifying", repeat)
                figures.lists.append(row)
            self.stderr.write("list: the leader's …")
            figures.leader = _median_request(leader_client, list_url, repeat)
            figures.leader_rows = self._rows(seeded.leader, {})

    def _rows(self, user: User, params: dict[str, Any]) -> int:
        unit = Unit.objects.get(pk=params["unit"]) if params.get("unit") else None
        filters = selectors.CaseFilters(
            unit=unit,
            state=params.get("state", ""),
            manifestation=params.get("manifestation", ""),
            overdue=bool(params.get("overdue")),
        )
        return selectors.case_list(user=user, today=timezone.localdate(), filters=filters).count()

    # The talk record -------------------------------------------------------------------------------------

    def _pdf(self, seeded: Seeded, figures: Figures) -> None:
        self.stderr.write("talk record PDF …")
        talk = self._talk(seeded)
        entry = get_document_kind(talk_documents.KIND)
        document = Document(
            kind=talk_documents.KIND,
            object_type=Talk._meta.label_lower,
            object_id=str(talk.pk),
            title="谈话记录",
            verification_code=new_verification_code(),
        )

        def talk_pdf() -> bytes:
            # What project.documents.services._render does for the render task.
            with translation.override(PDF_LANGUAGE):
                template_name, context = entry.build(document)
                return render_pdf(template_name, {**context, "document": document}, base_url=INTERNAL_BASE_URL)

        repeat = max(3, figures.repeat)
        figures.talk_pdf, figures.talk_pdf_cpu = _median(talk_pdf, repeat)
        figures.plain_pdf, figures.plain_pdf_cpu = _median(plain_pdf, repeat)
        figures.pdf_pages = (_pages(talk_pdf()), _pages(plain_pdf()))

    def _talk(self, seeded: Seeded) -> Talk:
        case = (
            RectificationCase.objects.filter(unit__path__startswith=seeded.root.path, state=CaseState.RECTIFYING)
            .select_related("cadre", "unit", "leader")
            .order_by("pk")
            .first()
        )
        if case is None or case.leader is None:
            raise CommandError("No rectifying case with a leader to hold a talk in.")
        talk = Talk.objects.filter(case=case, signed_at__isnull=False).first()
        if talk is not None:
            return talk
        now = timezone.now()
        talk = Talk.objects.create(
            case=case,
            held_at=now - timedelta(days=3),
            place="区委组织部三楼会议室",
            talker=case.leader,
            talker_name=str(case.leader),
            talker_unit=case.unit.name,
            talker_post="分管领导",
            recorder=case.cadre,
            recorder_name="记录员",
            recorder_unit=case.unit.name,
            recorder_post="科员",
            subject_name=case.cadre.name,
            subject_unit=case.unit.name,
            subject_post=case.cadre.post,
            purpose="根据年度测评结果，就工作中存在的推诿扯皮、得过且过等问题进行谈心谈话。" * 2,
            content="一、指出问题："
            + "对交办事项推诿，遇事绕着走，工作标准不高。" * 12
            + "\n二、提出要求："
            + "限期整改。" * 20,
            statement="本人认识到问题的严重性，保证按期整改。" * 4,
            recorded_by=seeded.admin,
            signed_at=now - timedelta(days=2),
        )
        for i in range(3):
            Commitment.objects.create(
                case=case,
                talk=talk,
                text=f"第{i + 1}项：按时到岗，主动认领并按期办结交办事项",
                deadline=timezone.localdate() + timedelta(days=30 * (i + 1)),
                created_by=seeded.admin,
            )
        return talk

    # The circulars -----------------------------------------------------------------------------------------

    def _circulars(self, seeded: Seeded, figures: Figures, count: int, concurrency: int) -> None:
        self.stderr.write(f"{count} circular PDFs through a Celery worker ({settings.CELERY_BROKER_URL}) …")
        circulars = self._make_circulars(seeded, count)
        with _pdf_worker(concurrency) as hostname:
            self.stderr.write(f"worker {hostname} ready")
            started = time.perf_counter()
            with transaction.atomic():
                ids = [
                    document_request(
                        actor=seeded.admin, kind=CIRCULAR_KIND, obj=c, title=c.number, key=uuid.uuid4().hex
                    ).pk
                    for c in circulars
                ]
            deadline = started + 600
            while True:
                statuses = dict(
                    Document.objects.filter(pk__in=ids)
                    .values("status")
                    .annotate(n=models.Count("pk"))
                    .values_list("status", "n")
                )
                done = statuses.get(DocumentStatus.RENDERED, 0) + statuses.get(DocumentStatus.FAILED, 0)
                if done == len(ids) or time.perf_counter() > deadline:
                    break
                time.sleep(0.2)
            figures.circulars_seconds = time.perf_counter() - started
        figures.circulars = len(ids)
        figures.circulars_rendered = statuses.get(DocumentStatus.RENDERED, 0)
        figures.circulars_failed = statuses.get(DocumentStatus.FAILED, 0)

    def _make_circulars(self, seeded: Seeded, count: int) -> list[Circular]:
        year = timezone.localdate().year
        serial = Circular.objects.filter(issuer_code=f"{seeded.root.code}组通", year=year).count()
        now = timezone.now()
        rows = [
            Circular(
                state=CircularState.PUBLISHED,
                unit=seeded.root,
                issuing_body="中共基准测试区委组织部",
                issuer_code=f"{seeded.root.code}组通",
                title=f"关于第{serial + i + 1}批“躺平式”干部整治情况的通报",
                addressees="各镇党委，区级各部门党组（党委）",
                facts="经年度测评和组织评定，" + "有关干部存在推诿扯皮、得过且过等问题。" * 8,
                decision="依据《干部作风建设若干规定》，" + "给予通报批评，取消年度评优资格。" * 3,
                nature="上述问题" + "严重影响干部队伍形象，损害群众利益。" * 4,
                requirements="各单位要引以为戒，" + "举一反三，切实转变作风。" * 4,
                year=year,
                serial=serial + i + 1,
                issue_date=now.date(),
                drafter=seeded.admin,
                approver=seeded.leader,  # a second person (a check constraint); any user will do here
                approved_at=now,
                published_at=now,
            )
            for i in range(count)
        ]
        return Circular.objects.bulk_create(rows)


@contextlib.contextmanager
def _pdf_worker(concurrency: int) -> Iterator[str]:
    """`celery -A project worker -Q pdf` as Procfile.dev runs it, with `concurrency` processes; stopped after."""
    from project.celery import app

    hostname = f"bench-{uuid.uuid4().hex[:8]}@localhost"
    command = [
        sys.executable, "-m", "celery", "-A", "project", "worker", "--queues", "pdf", "--hostname", hostname,
        "--concurrency", str(concurrency), "--max-tasks-per-child", "20", "--loglevel", "WARNING",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
    log_path = Path(tempfile.gettempdir()) / f"{hostname.split('@')[0]}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise CommandError(f"the PDF worker did not start (exit code {process.poll()}); see {log_path}")
        yield hostname
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)


# --- output ---------------------------------------------------------------------------------------------


def _mark(met: bool) -> str:
    return "met" if met else "**missed**"


def _as_json(figures: Figures) -> dict[str, Any]:
    data = figures.__dict__ | {"lists": [row.__dict__ | {"ratio": row.ratio} for row in figures.lists]}
    encoded: dict[str, Any] = json.loads(
        json.dumps(data, default=lambda o: o.__dict__ if hasattr(o, "__dict__") else str(o))
    )
    return encoded


def markdown(figures: Figures) -> str:
    m = figures.machine
    lines = [
        f"Run {m['date']} on {m['nproc']} × {m['cpu']}, {m['memory']} RAM, {m['database']};"
        f" load average at the start {m['load']}. {figures.cases:,} cases; medians of {figures.repeat} requests.",
        "",
    ]
    if figures.lists:
        lines += [
            "| org_admin's list | rows | list | minimal values() | ratio | queries (25 / 100 rows) | admin |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in figures.lists:
            admin = f"{row.admin.seconds * 1000:.1f} ms ({row.admin.queries} q)" if row.admin else ""
            hundred = row.page_100.queries if row.page_100 else "—"
            lines.append(
                f"| {row.name} | {row.rows:,} | {row.page.seconds * 1000:.1f} ms | {row.minimal.seconds * 1000:.1f} ms"
                f" ({row.minimal.queries} q) | {row.ratio:.2f}× | {row.page.queries} / {hundred} | {admin} |"
            )
        worst = max(row.ratio for row in figures.lists)
        most = max(max(row.page.queries, row.page_100.queries if row.page_100 else 0) for row in figures.lists)
        constant = all(r.page_100 and r.page_100.queries == r.page.queries for r in figures.lists)
        lines += [
            "",
            f"- List ≤ {TARGET_LIST_RATIO}× the minimal view: worst {worst:.2f}×"
            f" — {_mark(worst <= TARGET_LIST_RATIO)}.",
            f"- Queries ≤ {TARGET_QUERIES}, the same at 25 and 100 rows: at most {most}"
            f" — {_mark(most <= TARGET_QUERIES and constant)}.",
        ]
        if figures.leader is not None:
            unfiltered = figures.lists[0].page.seconds
            ratio = figures.leader.seconds / unfiltered
            lines.append(
                f"- The leader's list ({figures.leader_rows:,} cases) {figures.leader.seconds * 1000:.1f} ms"
                f" ({figures.leader.queries} q) ≤ {TARGET_LEADER_RATIO}× the unfiltered list"
                f" {unfiltered * 1000:.1f} ms: {ratio:.2f}× — {_mark(ratio <= TARGET_LEADER_RATIO)}."
            )
    if figures.talk_pdf:
        # Judged on CPU time: on a shared machine the wall time also counts other processes' turns on the core.
        ratio = figures.talk_pdf_cpu / figures.plain_pdf_cpu
        lines.append(
            f"- Talk-record PDF {figures.talk_pdf_cpu * 1000:.0f} ms of CPU ({figures.pdf_pages[0]} pages)"
            f" ≤ {TARGET_PDF_RATIO}× WeasyPrint on a plain document {figures.plain_pdf_cpu * 1000:.0f} ms"
            f" ({figures.pdf_pages[1]} pages): {ratio:.2f}× — {_mark(ratio <= TARGET_PDF_RATIO)}"
            f" (wall time {figures.talk_pdf * 1000:.0f} against {figures.plain_pdf * 1000:.0f} ms:"
            f" {figures.talk_pdf / figures.plain_pdf:.2f}×)."
        )
    if figures.circulars:
        ok = figures.circulars_rendered == figures.circulars and figures.circulars_seconds <= TARGET_CIRCULARS_SECONDS
        lines.append(
            f"- {figures.circulars} circular PDFs by a Celery worker on Redis: {figures.circulars_rendered} rendered,"
            f" {figures.circulars_failed} failed, in {figures.circulars_seconds:.1f} s"
            f" ({figures.circulars_seconds / figures.circulars * 1000:.0f} ms each) ≤ {TARGET_CIRCULARS_SECONDS:.0f} s"
            f" — {_mark(ok)}."
        )
    lines += [f"- Generated {datetime.now():%Y-%m-%d} by `manage.py bench_cases`.", ""]
    return "\n".join(lines)

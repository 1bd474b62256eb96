"""Demo data: a fictional city (示范市) with four districts, ~40 units, ~600 cadres and one login per role.

`demo_plan(seed)` is pure: the same seed gives the same units, names, dates, posts and ranks, drawn from
its own `random.Random(seed)` (never the global generator, which other code may reseed or consume).
`seed_demo(seed=...)` writes the plan, skipping every unit, account and cadre that already exists (by
unit code, username and cadre id), so a second run changes nothing. Units and role grants go through
their services, which audit each; the cadres are one bulk insert recorded by one "demo.seed" event.
Everything is fictional; the passwords are public and only for a demo database.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from django.db import transaction

from project.audit.services import audit_record
from project.org.models import Cadre, Gender, Role, RoleGrant, Unit, User
from project.org.services import role_grant, unit_create

DEFAULT_SEED = 2024
CADRE_ID_PREFIX = "SF"

# --- The city --------------------------------------------------------------------------------------

# (name suffix, code suffix, section names) per bureau; each district has three bureaus.
_DISTRICTS: tuple[tuple[str, str, tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...], tuple[str, ...]], ...] = (
    (
        "东湖区",
        "DH",
        (
            ("发展和改革局", "FGJ", (("综合科", "ZH"), ("投资科", "TZ"))),
            ("财政局", "CZJ", (("预算科", "YS"), ("国库科", "GK"))),
            ("教育局", "JYJ", ()),
        ),
        ("东湖街道", "湖滨街道"),
    ),
    (
        "西山区",
        "XS",
        (
            ("人力资源和社会保障局", "RSJ", (("综合科", "ZH"), ("就业促进科", "JY"))),
            ("住房和城乡建设局", "ZJJ", ()),
            ("市场监督管理局", "SJJ", ()),
        ),
        ("西山街道", "青石镇"),
    ),
    (
        "南江区",
        "NJ",
        (
            ("农业农村局", "NYJ", (("综合科", "ZH"), ("农村经济科", "JJ"))),
            ("交通运输局", "JTJ", ()),
            ("卫生健康局", "WJJ", ()),
        ),
        ("南江街道", "白沙镇"),
    ),
    (
        "北岭区",
        "BL",
        (
            ("自然资源局", "ZRJ", (("综合科", "ZH"), ("规划科", "GH"))),
            ("生态环境局", "STJ", ()),
            ("民政局", "MZJ", ()),
        ),
        ("北岭街道", "松林镇"),
    ),
)
_TOWNSHIP_CODES = {
    "东湖街道": "DHJD",
    "湖滨街道": "HBJD",
    "西山街道": "XSJD",
    "青石镇": "QSZ",
    "南江街道": "NJJD",
    "白沙镇": "BSZ",
    "北岭街道": "BLJD",
    "松林镇": "SLZ",
}

# How many cadres a unit of each kind has (≈600 in all), and its leadership posts, most senior first.
_HEADCOUNT = {"city": 0, "city_org": 16, "district": 6, "org": 10, "bureau": 18, "section": 8, "street": 28, "town": 28}
_LEADERSHIP: dict[str, tuple[tuple[str, str], ...]] = {
    "city": (),
    "city_org": (
        ("市委常委、组织部部长", "副厅级"),
        ("常务副部长", "正处级"),
        ("副部长", "副处级"),
        ("副部长", "副处级"),
        ("干部一科科长", "正科级"),
        ("干部二科科长", "正科级"),
        ("组织科科长", "正科级"),
    ),
    "district": (
        ("区委书记", "正处级"),
        ("区长", "正处级"),
        ("区委副书记", "副处级"),
        ("副区长", "副处级"),
        ("副区长", "副处级"),
        ("区委办公室主任", "正科级"),
    ),
    "org": (("区委常委、组织部部长", "副处级"), ("常务副部长", "正科级"), ("副部长", "副科级"), ("干部股股长", "")),
    "bureau": (("局长", "正科级"), ("副局长", "副科级"), ("副局长", "副科级"), ("办公室主任", "")),
    "section": (("科长", ""), ("副科长", "")),
    "street": (
        ("党工委书记", "正科级"),
        ("办事处主任", "正科级"),
        ("党工委副书记", "副科级"),
        ("办事处副主任", "副科级"),
        ("办事处副主任", "副科级"),
        ("党政办主任", ""),
    ),
    "town": (
        ("党委书记", "正科级"),
        ("镇长", "正科级"),
        ("党委副书记", "副科级"),
        ("副镇长", "副科级"),
        ("副镇长", "副科级"),
        ("纪委书记", "副科级"),
    ),
}
_STAFF_POSTS = {"street": ("科员", "科员", "网格管理员"), "town": ("科员", "科员", "驻村干部")}

# --- Names -----------------------------------------------------------------------------------------

# Common surnames, the most frequent listed more than once so that they are drawn more often.
_SURNAMES = (
    "王王王王李李李李张张张张刘刘刘陈陈陈杨杨黄黄赵赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
_GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰建国志东海成文斌晨博毅锋亮"
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英慧玲婷雪琳颖倩洁佳蕾丹萍红梅琴燕莉晶欣璐瑶悦妍颖岚菲雯"
_GIVEN_EITHER = "子文晓思佳雨嘉欣梓晨宏春秋小永立新海德"


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent_code: str | None


@dataclass(frozen=True)
class CadreSpec:
    external_id: str
    name: str
    gender: str
    birth_date: date
    unit_code: str
    post: str
    rank: str


@dataclass(frozen=True)
class PersonaSpec:
    username: str
    password: str
    display_name: str
    role: str  # a Role value, or "" for a cadre without a role
    unit_code: str  # where the role is granted (or the cadre's unit)
    cadre_external_id: str = ""


@dataclass(frozen=True)
class DemoPlan:
    units: tuple[UnitSpec, ...]
    cadres: tuple[CadreSpec, ...]
    personas: tuple[PersonaSpec, ...]

    def digest(self) -> str:
        """A fingerprint of everything the plan would write: equal seeds give equal digests."""
        payload = json.dumps([asdict(item) for item in self.units + self.cadres], default=str, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def _units() -> list[UnitSpec]:
    units = [UnitSpec("SF", "示范市", "city", None), UnitSpec("SF-ZZB", "中共示范市委组织部", "city_org", "SF")]
    for district, dcode, bureaus, townships in _DISTRICTS:
        root = f"SF-{dcode}"
        units.append(UnitSpec(root, district, "district", "SF"))
        units.append(UnitSpec(f"{root}-ZZB", f"中共示范市{district}委员会组织部", "org", root))
        for bureau, bcode, sections in bureaus:
            bureau_code = f"{root}-{bcode}"
            units.append(UnitSpec(bureau_code, f"{district}{bureau}", "bureau", root))
            units.extend(
                UnitSpec(f"{bureau_code}-{scode}", f"{district}{bureau}{section}", "section", bureau_code)
                for section, scode in sections
            )
        for township in townships:
            kind = "town" if township.endswith("镇") else "street"
            office = "人民政府" if kind == "town" else "办事处"
            units.append(UnitSpec(f"{root}-{_TOWNSHIP_CODES[township]}", f"{district}{township}{office}", kind, root))
    return units


def _name(rng: random.Random, gender: str, taken: set[str]) -> str:
    gendered = _GIVEN_MALE if gender == Gender.MALE else _GIVEN_FEMALE
    while True:
        surname = rng.choice(_SURNAMES)
        if rng.random() < 0.25:
            given = rng.choice(gendered)
        else:
            given = rng.choice(_GIVEN_EITHER + gendered) + rng.choice(gendered)
        name = surname + given
        if name not in taken:  # homonyms exist, but unique names keep the demo's searches unambiguous
            taken.add(name)
            return name


def _birth_date(rng: random.Random, first_year: int, last_year: int) -> date:
    start = date(first_year, 1, 1)
    return start + timedelta(days=rng.randrange((date(last_year, 12, 31) - start).days + 1))


def _staff_rank(rng: random.Random, birth: date) -> str:
    """Civil-service grades (职级) rise with seniority, so older staff hold the higher ones."""
    if birth.year <= 1975:
        return rng.choice(("一级主任科员", "二级主任科员"))
    if birth.year <= 1984:
        return rng.choice(("三级主任科员", "四级主任科员"))
    if birth.year <= 1991:
        return rng.choice(("一级科员", "四级主任科员"))
    return rng.choice(("二级科员", "一级科员"))


def demo_plan(seed: int = DEFAULT_SEED) -> DemoPlan:
    """The whole demo city for this seed; pure and deterministic."""
    rng = random.Random(seed)
    units = _units()
    taken: set[str] = set()
    cadres: list[CadreSpec] = []
    for unit in units:
        leadership = _LEADERSHIP[unit.kind]
        for index in range(_HEADCOUNT[unit.kind]):
            if index < len(leadership):
                post, rank = leadership[index]
                gender = Gender.MALE if rng.random() < 0.72 else Gender.FEMALE
                # The most senior posts go to people in their late forties or fifties.
                birth = _birth_date(rng, 1965, 1976 if index < 2 else 1985)
                rank = rank or _staff_rank(rng, birth)
            else:
                post = rng.choice(_STAFF_POSTS.get(unit.kind, ("科员",)))
                gender = Gender.MALE if rng.random() < 0.55 else Gender.FEMALE
                birth = _birth_date(rng, 1965 + rng.choice((0, 10, 15, 20)), 1998)
                rank = _staff_rank(rng, birth)
            cadres.append(
                CadreSpec(
                    external_id=f"{CADRE_ID_PREFIX}{len(cadres) + 1:05d}",
                    name=_name(rng, gender, taken),
                    gender=gender,
                    birth_date=birth,
                    unit_code=unit.code,
                    post=post,
                    rank=rank,
                )
            )

    def first(unit_code: str, post: str) -> CadreSpec:
        return next(c for c in cadres if c.unit_code == unit_code and c.post == post)

    leader = first("SF-DH-FGJ", "副局长")
    cadre = first("SF-DH-FGJ-ZH", "科员")
    personas = (
        PersonaSpec("zuzhi", "zuzhi-demo-2024", "王立新", Role.ORG_ADMIN, "SF-DH"),
        PersonaSpec("lingdao", "lingdao-demo-2024", leader.name, Role.LEADER, "SF-DH-FGJ", leader.external_id),
        PersonaSpec("ancha", "ancha-demo-2024", "赵晓东", Role.INSPECTOR, "SF-DH"),
        PersonaSpec("shencha1", "shencha1-demo-2024", "孙丽华", Role.REVIEWER, "SF-DH"),
        PersonaSpec("shencha2", "shencha2-demo-2024", "钱志强", Role.REVIEWER, "SF-DH"),
        PersonaSpec("shenji", "shenji-demo-2024", "吴静", Role.AUDITOR, "SF-DH"),
        PersonaSpec("ganbu", "ganbu-demo-2024", cadre.name, "", cadre.unit_code, cadre.external_id),
        PersonaSpec("waiqu", "waiqu-demo-2024", "郑国栋", Role.ORG_ADMIN, "SF-XS"),
    )
    return DemoPlan(tuple(units), tuple(cadres), personas)


# --- Writing it ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedReport:
    plan: DemoPlan
    units_created: int
    users_created: int
    grants_created: int
    cadres_created: int

    @property
    def changed(self) -> bool:
        return bool(self.units_created or self.users_created or self.grants_created or self.cadres_created)


def seed_demo(*, seed: int = DEFAULT_SEED) -> SeedReport:
    """Write the demo city for `seed`, skipping whatever already exists (by code, username, cadre id).

    Idempotent: a second run with any seed creates nothing (existing rows are never changed).
    """
    plan = demo_plan(seed)
    with transaction.atomic():
        units = {unit.code: unit for unit in Unit.objects.filter(code__in=[spec.code for spec in plan.units])}
        units_created = 0
        for spec in plan.units:  # parents come before their children
            if spec.code not in units:
                parent = units[spec.parent_code] if spec.parent_code else None
                units[spec.code] = unit_create(actor=None, name=spec.name, code=spec.code, parent=parent)
                units_created += 1

        usernames = [persona.username for persona in plan.personas]
        users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        users_created = 0
        for persona in plan.personas:
            if persona.username not in users:
                users[persona.username] = User.objects.create_user(
                    username=persona.username, password=persona.password, display_name=persona.display_name
                )
                users_created += 1

        grants_created = 0
        for persona in plan.personas:
            if not persona.role:
                continue
            user, unit = users[persona.username], units[persona.unit_code]
            if not RoleGrant.objects.filter(user=user, role=persona.role, unit=unit).exists():
                role_grant(actor=None, user=user, role=persona.role, unit=unit)
                grants_created += 1

        account_of = {p.cadre_external_id: users[p.username] for p in plan.personas if p.cadre_external_id}
        linked = set(Cadre.objects.filter(user__in=account_of.values()).values_list("user_id", flat=True))
        ids = [spec.external_id for spec in plan.cadres]
        existing = set(Cadre.objects.filter(external_id__in=ids).values_list("external_id", flat=True))
        new_cadres = [
            Cadre(
                external_id=spec.external_id,
                name=spec.name,
                gender=spec.gender,
                birth_date=spec.birth_date,
                unit=units[spec.unit_code],
                post=spec.post,
                rank=spec.rank,
                user=account if (account := account_of.get(spec.external_id)) and account.pk not in linked else None,
            )
            for spec in plan.cadres
            if spec.external_id not in existing
        ]
        Cadre.objects.bulk_create(new_cadres, batch_size=500)

        report = SeedReport(plan, units_created, users_created, grants_created, len(new_cadres))
        if new_cadres or users_created:
            audit_record(
                actor=None,
                action="demo.seed",
                summary=f"demo data seeded: {len(new_cadres)} cadres, {users_created} accounts",
                data={
                    "seed": seed,
                    "units_created": units_created,
                    "users_created": users_created,
                    "grants_created": grants_created,
                    "cadres_created": len(new_cadres),
                },
            )
    return report

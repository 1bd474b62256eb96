"""Who is who: units (a tree), cadres, users and the roles they hold over a unit subtree."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# Materialized path: each unit's path is its parent's path plus a fixed-width step, so that
# "this subtree" is one indexed `path LIKE 'prefix%'` query on any database.
PATH_STEP = 4
PATH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class User(AbstractUser):
    """A person who logs in. Roles come from RoleGrant, never from flags on the user."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("organization department")
    LEADER = "leader", _("leader in charge")
    INSPECTOR = "inspector", _("visit team member")
    REVIEWER = "reviewer", _("fault-tolerance reviewer")
    AUDITOR = "auditor", _("auditor")


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        return self.filter(path__startswith=unit.path)

    def visible_to(self, user: User | AnonymousUser) -> UnitQuerySet:
        """Units inside any subtree where the user holds a role, and the user's own unit."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        from project.org.permissions import subtree_filter

        # The own unit by a subquery, not a join to every cadre (which needed DISTINCT over all units).
        own = Q(pk__in=Cadre.objects.filter(user=user).values("unit_id"))
        return self.filter(subtree_filter(user, set(Role), "path") | own)


class Unit(models.Model):
    # "name" alone is a person's name (姓名) in Chinese; a unit has a 名称.
    name = models.CharField(pgettext_lazy("unit", "name"), max_length=200)
    code = models.CharField(_("code"), max_length=50, unique=True, help_text=_("A stable identifier."))
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        # varchar_pattern_ops lets PostgreSQL answer `path LIKE 'prefix%'` from the index in any collation.
        indexes = [models.Index(fields=["path"], name="org_unit_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def is_within(self, ancestor: Unit) -> bool:
        return self.path.startswith(ancestor.path)

    def ancestor_paths(self) -> list[str]:
        """The paths of this unit and of every unit above it (a grant on any of them reaches this unit)."""
        return [self.path[: i * PATH_STEP] for i in range(1, len(self.path) // PATH_STEP + 1)]

    def ancestors(self) -> UnitQuerySet:
        return Unit.objects.filter(path__in=self.ancestor_paths())


def encode_step(number: int) -> str:
    if number < 0 or number >= len(PATH_ALPHABET) ** PATH_STEP:
        raise ValueError("too many children under one unit")
    digits = []
    for _i in range(PATH_STEP):
        number, rest = divmod(number, len(PATH_ALPHABET))
        digits.append(PATH_ALPHABET[rest])
    return "".join(reversed(digits))


class Gender(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class CadreQuerySet(models.QuerySet["Cadre"]):
    def visible_to(self, user: User | AnonymousUser) -> CadreQuerySet:
        """Cadres in a subtree where the user is org_admin, leader or auditor, and the user's own record."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        from project.org.permissions import subtree_filter

        roles = {Role.ORG_ADMIN, Role.LEADER, Role.AUDITOR}
        return self.filter(subtree_filter(user, roles, "unit__path") | Q(user=user))

    def in_subtree(self, unit: Unit) -> CadreQuerySet:
        return self.filter(unit__path__startswith=unit.path)


class Cadre(models.Model):
    """A cadre on the roster. `external_id` is the roster's stable id, used by re-imports."""

    external_id = models.CharField(_("cadre id"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cadres")
    post = models.CharField(_("post"), max_length=100)
    rank = models.CharField(_("rank"), max_length=50)
    user = models.OneToOneField(
        User, verbose_name=_("user account"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cadre"
    )
    active = models.BooleanField(_("on the roster"), default=True)

    objects = CadreQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "name"]
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


class RoleGrant(models.Model):
    """A role held over a unit and everything below it."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("unit subtree"), on_delete=models.PROTECT, related_name="grants")
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="org_rolegrant_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class MarkKind(models.TextChoices):
    CASE_CLOSED = "case_closed", _("rectification case closed")
    NO_NEGATIVE_EVALUATION = "no_negative_evaluation", _("no negative evaluation (fault tolerated)")
    SANCTION = "sanction", _("sanction in effect")
    RECTIFICATION_TARGET = "rectification_target", _("confirmed rectification target")


class CadreMark(models.Model):
    """A dated fact that flows upstream from cases to evaluations without an import of `cases`.

    Cases services write marks (a closed case, an exemption's "no negative evaluation" effect, a
    sanction's effect period); evaluation scoring reads them.
    """

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="marks")
    kind = models.CharField(_("kind"), max_length=30, choices=MarkKind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, help_text=_("What wrote the mark, e.g. case:12."))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("cadre mark")
        verbose_name_plural = _("cadre marks")
        indexes = [models.Index(fields=["cadre", "kind", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.cadre} · {self.get_kind_display()}"

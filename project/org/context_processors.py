from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from project.org.models import Role
from project.org.permissions import roles_of

# The main menu, the same on every page: (URL name, label, the roles it is shown to; none = every signed-in
# user). Showing a link decides nothing: every page checks its own permission. The links are the home page's
# per role, so that a user can move between evaluations, cases and matters from anywhere.
MENU: tuple[tuple[str, Promise, tuple[Role, ...]], ...] = (
    ("home", _("My work"), ()),
    ("evaluations:round_list", _("Evaluation rounds"), (Role.ORG_ADMIN, Role.AUDITOR)),
    ("evaluations:my_evaluations", _("My evaluations"), (Role.LEADER,)),
    ("cases:rectification:list", _("Rectification cases (整治)"), (Role.ORG_ADMIN, Role.AUDITOR)),
    ("cases:rectification:my_talks", _("My talks (谈话)"), (Role.LEADER,)),
    ("cases:rectification:my_visits", _("My visits (暗访)"), (Role.INSPECTOR,)),
    ("cases:rectification:circular_list", _("Circulars (通报)"), (Role.ORG_ADMIN, Role.AUDITOR)),
    ("cases:matters:list", _("Fault tolerance (容错)"), (Role.ORG_ADMIN, Role.AUDITOR, Role.REVIEWER)),
    ("cases:matters:prereg_list", _("Pre-registrations (报备)"), (Role.ORG_ADMIN,)),
    ("org:cadre_list", _("Roster"), (Role.ORG_ADMIN,)),
    ("cases:rectification:dashboard", _("Dashboard"), (Role.ORG_ADMIN, Role.AUDITOR)),
    ("audit:event_list", _("Audit trail"), (Role.AUDITOR,)),
    ("cases:rectification:notifications", _("Notifications"), ()),
)


@dataclass(frozen=True)
class MenuLink:
    url: str
    label: str
    current: bool


def roles(request: HttpRequest) -> dict[str, object]:
    """The current user's roles and their menu (templates never decide permissions from these)."""
    user_roles = roles_of(request.user)
    menu = []
    if request.user.is_authenticated:
        for name, label, shown_to in MENU:
            if not shown_to or user_roles.intersection(shown_to):
                url = reverse(name)
                menu.append(MenuLink(url=url, label=str(label), current=request.path == url))
    return {"user_roles": user_roles, "menu": menu}

"""The auditor's filters of the trail (GET): action, username, object type and id."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from project.audit.labels import action_choices, model_for
from project.audit.models import AuditEventQuerySet

_MAX = 100


class EventFilterForm(forms.Form):
    """Bound to request.GET; the parameter names are the ones links and bookmarks already use.

    `action` offers every labelled action by its name in the reader's language (values stay the codes); a
    code named in a link that has no label (an event older than its label) is offered too, as itself.
    `object_type` offers the types the trail mentions (values stay "app_label.model"); a type named
    in a link that has no event yet is offered too, so the link answers with an empty list, not an
    error. `object_id` must be an id of that type (of any type when none is chosen): a mistyped id is
    an error on the field rather than a filter that silently matches nothing.
    """

    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Username"), required=False, max_length=_MAX)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)

    def __init__(self, data: Any, *, object_types: list[tuple[str, str]]) -> None:
        data = data.copy()
        for name in ("action", "object_type"):
            if data.get(name):
                data[name] = data[name].strip().lower()
        super().__init__(data)
        actions = action_choices()
        wanted_action = data.get("action", "")
        if wanted_action and wanted_action not in dict(actions) and len(wanted_action) <= _MAX:
            actions.append((wanted_action, wanted_action))
        self._choose("action", [("", _("All actions")), *actions])
        choices = list(object_types)
        wanted = data.get("object_type", "")
        if wanted and wanted not in dict(choices) and (model := model_for(wanted)) is not None:
            choices.append((wanted, str(model._meta.verbose_name)))
        self._choose("object_type", [("", _("All types")), *choices])
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"

    def _choose(self, name: str, choices: list[tuple[str, str | Promise]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean_object_id(self) -> str:
        value: str = self.cleaned_data["object_id"]
        if not value:
            return value
        model = model_for(self.data.get("object_type", ""))
        try:
            if model is not None:
                pk = model._meta.pk
                assert pk is not None
                return str(pk.to_python(value))
            if value.isdigit():
                return str(int(value))
            return str(uuid.UUID(value))
        except (ValidationError, ValueError, TypeError):
            raise ValidationError(
                _("“%(value)s” is not a valid object id."), code="invalid", params={"value": value}
            ) from None

    def filter(self, events: AuditEventQuerySet) -> AuditEventQuerySet:
        """The events the (valid) filters select."""
        data = self.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["actor"]:
            events = events.filter(actor__username=data["actor"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["object_id"]:
            events = events.filter(object_id=data["object_id"])
        return events

"""Forms of the case pages. They only parse input; the services decide and write.

The talk form asks for at most six typed things (the product measures the burden on leaders): time
(pre-filled with now), place, reason, content, the cadre's statement, and the commitments in a compact
formset. The kind and the recorder are picked from lists; every name, unit and post comes from the roster.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from cases.rectification.assignment import REASON_MAX
from cases.rectification.models import (
    CareKind,
    CaseState,
    HandlingMeasure,
    Manifestation,
    TalkKind,
    WithdrawalReason,
)
from cases.rectification.services import DEFAULT_PERIOD_MONTHS, MAX_PERIOD_MONTHS
from cases.rectification.talk_services import COMMITMENTS_PER_TALK_MAX, CommitmentInput
from project.org.models import Cadre, Unit, User


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so that templates render fields without per-field markup."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class NoteForm(StyledForm):
    note = forms.CharField(label=_("determination note (评定意见)"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class PlainForm(StyledForm):
    """A step with nothing to type: the button is the whole form."""


class BulkForm(StyledForm):
    """The list's bulk determination: one text and one of two buttons; the ticked `case` ids are read
    by the view (which narrows them to visible cases)."""

    action = forms.ChoiceField(label=_("action"), choices=[("confirm", _("Confirm")), ("dismiss", _("Dismiss"))])
    text = forms.CharField(label=_("determination note or reason"), widget=forms.Textarea(attrs={"rows": 2}))


class UnitOption(NamedTuple):
    """A unit the case list can be narrowed to, as the filter reads it (no model instance per option)."""

    pk: int
    name: str
    path: str


class CaseFilterForm(StyledForm):
    """The list's filters. The units are given as (pk, name, path) rows fetched once: their options are
    written from them and the chosen one is checked against them, without the queries of a ModelChoiceField
    (a cursor for the options, a get() for the value) and without a ~200-option choices list normalised
    for every page."""

    unit = forms.IntegerField(label=_("unit"), required=False)
    state = forms.ChoiceField(label=_("state"), choices=[("", _("Any state")), *CaseState.choices], required=False)
    manifestation = forms.ChoiceField(
        label=_("manifestation"), choices=[("", _("Any manifestation")), *Manifestation.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only (逾期)"), required=False)
    sort = forms.ChoiceField(
        label=_("sort by"),
        required=False,
        choices=[
            ("newest", _("newest first")),
            ("oldest", _("oldest first")),
            ("cadre", _("cadre")),
            ("unit", _("unit")),
            ("state", _("state")),
            ("period_end", _("end of period")),
        ],
    )
    size = forms.TypedChoiceField(
        label=_("per page"),
        coerce=int,
        required=False,
        empty_value=None,
        # 500: the candidates of a large round (the target is 262) determined in one bulk action (docs/BURDEN.md)
        choices=[(n, n) for n in (10, 25, 50, 100, 500)],
    )

    SELECTS = ("unit", "state", "manifestation", "sort", "size")

    def __init__(self, *args: Any, units: Sequence[UnitOption], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {unit.pk: unit for unit in units}

    def clean_unit(self) -> Unit | None:
        pk = self.cleaned_data.get("unit")
        if pk is None:
            return None
        if pk not in self.units:
            message = forms.ChoiceField.default_error_messages["invalid_choice"]
            raise forms.ValidationError(message, code="invalid_choice", params={"value": pk})
        option = self.units[pk]
        return Unit(pk=option.pk, name=option.name, path=option.path)

    def subtree_ids(self, unit: Unit) -> tuple[int, ...]:
        """The ids of the unit and of the units under it, from the units the form was given."""
        return tuple(pk for pk, other in self.units.items() if other.path.startswith(unit.path))

    def _choices(self, name: str) -> Iterable[tuple[object, object]]:
        if name == "unit":
            return [("", _("Any unit")), *((unit.pk, unit.name) for unit in self.units.values())]
        return self.fields[name].choices  # type: ignore[attr-defined,no-any-return]

    def selects(self) -> list[tuple[forms.BoundField, SafeString]]:
        """The select fields with their options as HTML, built here in one pass: a widget renders each of the
        ~200 unit options through its own template, which was most of the list page's time. (html.escape is
        what django.utils.html.escape does, without its per-call check for lazy arguments.)"""
        result = []
        for name in self.SELECTS:
            field = self[name]
            current = field.value()
            current = "" if current is None else str(current)
            options = "".join(
                f'<option value="{html.escape(str(value))}"{" selected" if str(value) == current else ""}>'
                f"{html.escape(str(label))}</option>"
                for value, label in self._choices(name)
            )
            result.append((field, mark_safe(options)))  # noqa: S308 (every value and label escaped above)
        return result


class OpenCaseForm(StyledForm):
    cadre = forms.ModelChoiceField(label=_("cadre"), queryset=Cadre.objects.none())
    reason = forms.CharField(label=_("reason for opening"), widget=forms.Textarea(attrs={"rows": 3}))
    manifestations = forms.MultipleChoiceField(
        label=_("manifestations"), choices=Manifestation.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, cadres: QuerySet[Cadre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres  # type: ignore[attr-defined]


class LeaderChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


class AssignLeaderForm(StyledForm):
    leader = LeaderChoiceField(label=_("leader in charge (分管领导)"), queryset=User.objects.none())

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_candidates = bool(candidates)  # without any, the page says why instead of an empty choice
        self.fields["leader"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=[user.pk for user in candidates]
        )


class ReassignLeaderForm(AssignLeaderForm):
    """Handing an open case over to another leader in charge: who, and why."""

    leader = LeaderChoiceField(label=_("new leader in charge"), queryset=User.objects.none())
    reason = forms.CharField(
        label=_("reason for the handover"), widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX
    )


class PlanForm(StyledForm):
    measures = forms.CharField(label=_("measures (整改措施)"), widget=forms.Textarea(attrs={"rows": 5}))
    period_months = forms.IntegerField(
        label=_("rectification period in months"),
        min_value=1,
        max_value=MAX_PERIOD_MONTHS,
        initial=DEFAULT_PERIOD_MONTHS,
    )


class CareForm(StyledForm):
    kind = forms.ChoiceField(label=_("kind"), choices=CareKind.choices)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(label=_("date"), widget=DateInput)


class CommitmentForm(StyledForm):
    text = forms.CharField(label=_("commitment"), max_length=500, required=False)
    deadline = forms.DateField(label=_("deadline"), widget=DateInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("deadline") and not data.get("text"):
            self.add_error("text", _("Write the commitment for this deadline."))
        return data


class RequiredCommitmentForm(CommitmentForm):
    """A commitment added on its own (the plan page): the text is needed."""

    text = forms.CharField(label=_("commitment"), max_length=500)


CommitmentFormSet = forms.formset_factory(CommitmentForm, extra=3, max_num=COMMITMENTS_PER_TALK_MAX, validate_max=True)


class RestartForm(StyledForm):
    period_months = forms.IntegerField(
        label=_("rectification period in months"), min_value=1, max_value=MAX_PERIOD_MONTHS, required=False
    )


class EscalateForm(StyledForm):
    measure = forms.ChoiceField(label=_("handling measure"), choices=HandlingMeasure.choices)
    note = forms.CharField(label=_("handling decision"), widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(StyledForm):
    reason = forms.ChoiceField(label=_("reason for withdrawal"), choices=WithdrawalReason.choices)
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RecorderChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.unit.name} · {obj.post}"


class TalkForm(StyledForm):
    """A talk record. Typed: held_at (pre-filled), place, purpose, content, statement (+ commitments)."""

    TYPED_FIELDS = ("held_at", "place", "purpose", "content", "statement")

    kind = forms.ChoiceField(label=_("kind of talk"), choices=TalkKind.choices)
    held_at = forms.DateTimeField(label=_("time (时间)"), widget=DateTimeInput)
    place = forms.CharField(label=_("place (地点)"), max_length=200)
    recorder = RecorderChoiceField(label=_("recorder (记录人)"), queryset=Cadre.objects.none())
    purpose = forms.CharField(label=_("reason for the talk (事由)"), widget=forms.Textarea(attrs={"rows": 2}))
    content = forms.CharField(label=_("main content (主要内容)"), widget=forms.Textarea(attrs={"rows": 6}))
    statement = forms.CharField(
        label=_("the cadre's statement (本人表态)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, recorders: QuerySet[Cadre], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("held_at", timezone.localtime().replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        self.fields["recorder"].queryset = recorders  # type: ignore[attr-defined]


def commitment_inputs(formset: forms.BaseFormSet) -> list[CommitmentInput]:  # type: ignore[type-arg]
    """The filled rows of a valid commitment formset."""
    return [
        CommitmentInput(text=form.cleaned_data["text"], deadline=form.cleaned_data.get("deadline"))
        for form in formset.forms
        if form.cleaned_data.get("text")
    ]


class AcknowledgeForm(StyledForm):
    """The cadre's answer: leave `dissent` empty to acknowledge, or write it to record dissent."""

    dissent = forms.CharField(
        label=_("dissent, if any (异议)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Leave empty to acknowledge the record as it stands."),
    )

"""Forms of the matter pages. They only parse input; the services decide and write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.fault_tolerance import Criterion, Ruleset
from cases.matters.attachments import validate_attachment
from cases.matters.models import (
    DECISION_OUTCOMES,
    EVIDENCE_NOTE_MAX_LENGTH,
    VERIFICATION_NOTE_MAX_LENGTH,
    AccountabilityMatter,
    AnswerValue,
    ApplicantKind,
    ChecklistAnswer,
    RiskPreRegistration,
)
from cases.matters.services import AnswerInput
from project.org.models import Cadre, Role, User
from project.org.selectors import people_of, role_holders


class DateInput(forms.DateInput):
    input_type = "date"


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so that templates render fields without per-field markup."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class MatterReceiveForm(StyledForm):
    cadre = forms.ModelChoiceField(label=_("cadre"), queryset=Cadre.objects.none())
    title = forms.CharField(label=_("title"), max_length=200)
    facts = forms.CharField(label=_("facts"), widget=forms.Textarea(attrs={"rows": 5}))
    is_inaction = forms.BooleanField(label=_("concerns inaction (不作为慢作为)"), required=False)
    received_on = forms.DateField(label=_("received on (登记日期)"), widget=DateInput)

    def __init__(self, *args: Any, cadres: QuerySet[Cadre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres  # type: ignore[attr-defined]


class ApplyForm(StyledForm):
    """The organization department records an application by the unit or a proposal by the body."""

    applicant_kind = forms.ChoiceField(
        label=_("applicant"), choices=[(k.value, k.label) for k in ApplicantKind if k != ApplicantKind.CADRE]
    )
    statement = forms.CharField(label=_("application (申请理由)"), widget=forms.Textarea(attrs={"rows": 3}))


class OwnApplyForm(StyledForm):
    """The cadre's own application (本人申请)."""

    statement = forms.CharField(label=_("why fault tolerance should apply (申请理由)"), widget=forms.Textarea)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ExtendForm(StyledForm):
    until = forms.DateField(label=_("new investigation deadline"), widget=DateInput)
    reason = forms.CharField(label=_("reason for the extension"), widget=forms.Textarea(attrs={"rows": 2}))


class AssignReviewerForm(StyledForm):
    user = forms.ModelChoiceField(label=_("reviewer"), queryset=User.objects.none())
    committee_chair = forms.BooleanField(label=_("committee chair"), required=False)

    def __init__(self, *args: Any, matter: AccountabilityMatter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = role_holders([Role.REVIEWER, Role.ORG_ADMIN], matter.unit).order_by("username")
        if matter.cadre.user_id is not None:
            people = people.exclude(pk=matter.cadre.user_id)
        self.fields["user"].queryset = people  # type: ignore[attr-defined]


class ProposeForm(StyledForm):
    outcome = forms.ChoiceField(label=_("outcome"), choices=[(o.value, o.label) for o in DECISION_OUTCOMES])
    justification = forms.CharField(
        label=_("justification (required when it differs from the recommendation)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class CorrectionTaskForm(StyledForm):
    owner = forms.ModelChoiceField(label=_("owner"), queryset=User.objects.none())
    description = forms.CharField(label=_("what is to be corrected"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("deadline"), widget=DateInput)

    def __init__(self, *args: Any, matter: AccountabilityMatter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same people correction_task_add accepts.
        self.fields["owner"].queryset = people_of(matter.unit).order_by("username")  # type: ignore[attr-defined]


class VerifyForm(StyledForm):
    note = forms.CharField(label=_("verification note"), required=False, max_length=VERIFICATION_NOTE_MAX_LENGTH)


class FeedbackForm(StyledForm):
    text = forms.CharField(label=_("written feedback (书面反馈)"), widget=forms.Textarea(attrs={"rows": 3}))


class FilingForm(StyledForm):
    filed_on = forms.DateField(label=_("filed on (备案日期)"), widget=DateInput)
    filed_with = forms.CharField(label=_("filed with (备案机关)"), max_length=200)


class PublicityForm(StyledForm):
    cleared_on = forms.DateField(label=_("published on"), widget=DateInput)
    text = forms.CharField(label=_("clarification text (澄清正名)"), widget=forms.Textarea(attrs={"rows": 3}))


class PreregLinkForm(StyledForm):
    prereg = forms.ModelChoiceField(label=_("pre-registration (容错报备)"), queryset=RiskPreRegistration.objects.none())

    def __init__(self, *args: Any, matter: AccountabilityMatter, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["prereg"].queryset = (  # type: ignore[attr-defined]
            RiskPreRegistration.objects.visible_to(user).filter(cadre=matter.cadre_id).exclude(matters=matter)
        )


class PreregForm(StyledForm):
    cadre = forms.ModelChoiceField(label=_("cadre"), queryset=Cadre.objects.none())
    measure = forms.CharField(label=_("measure to be taken"), widget=forms.Textarea(attrs={"rows": 3}))
    risks = forms.CharField(label=_("foreseeable risks"), widget=forms.Textarea(attrs={"rows": 3}))
    registered_on = forms.DateField(label=_("registered on (报备日期)"), widget=DateInput)

    def __init__(self, *args: Any, cadres: QuerySet[Cadre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres  # type: ignore[attr-defined]


class ChecklistForm(StyledForm):
    """One radio group, evidence note and optional attachment per criterion of the pinned ruleset.

    Field names: `answer_<id>`, `note_<id>`, `file_<id>`. A criterion left without a choice counts as
    `unknown`. Read-only (`disabled`) for people who may see but not answer.
    """

    def __init__(
        self,
        *args: Any,
        ruleset: Ruleset,
        rows: Mapping[str, ChecklistAnswer],
        disabled: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.ruleset = ruleset
        labels = dict(AnswerValue.choices)
        for criterion in ruleset:
            row = rows.get(criterion.id)
            self.fields[f"answer_{criterion.id}"] = forms.ChoiceField(
                label=criterion.id,
                choices=[(answer.value, labels[answer.value]) for answer in criterion.allowed_answers],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
                initial=row.value if row else AnswerValue.UNKNOWN,
                disabled=disabled,
            )
            self.fields[f"note_{criterion.id}"] = forms.CharField(
                label=_("evidence note"),
                required=False,
                max_length=EVIDENCE_NOTE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
                initial=row.evidence_note if row else "",
                disabled=disabled,
            )
            self.fields[f"file_{criterion.id}"] = forms.FileField(
                label=_("attachment"),
                required=False,
                disabled=disabled,
                widget=forms.FileInput(attrs={"class": "form-control form-control-sm"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for criterion in self.ruleset:
            upload = cleaned.get(f"file_{criterion.id}")
            if upload:
                try:
                    validate_attachment(upload)
                except ValidationError as error:
                    self.add_error(f"file_{criterion.id}", error)
        return cleaned

    def answer_inputs(self) -> dict[str, AnswerInput]:
        return {
            criterion.id: AnswerInput(
                value=self.cleaned_data.get(f"answer_{criterion.id}") or AnswerValue.UNKNOWN,
                note=self.cleaned_data.get(f"note_{criterion.id}") or "",
                attachment=self.cleaned_data.get(f"file_{criterion.id}") or None,
            )
            for criterion in self.ruleset
        }

    def criterion_fields(self, criterion: Criterion) -> tuple[forms.BoundField, forms.BoundField, forms.BoundField]:
        return self[f"answer_{criterion.id}"], self[f"note_{criterion.id}"], self[f"file_{criterion.id}"]


def posted_answers(ruleset: Ruleset, data: Mapping[str, Any]) -> dict[str, str]:
    """The answers in a (possibly partial, unsaved) checklist POST; missing ones count as unknown."""
    answers: dict[str, str] = {}
    for criterion in ruleset:
        value = data.get(f"answer_{criterion.id}")
        if value:
            answers[criterion.id] = str(value)
    return answers

"""Forms: creating a round, and the rating sheet shared by peer ballots and self/leader ratings."""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import django
from django import forms
from django.core.cache import cache as django_cache
from django.template.loader import get_template, render_to_string
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from evaluations.models import COMMENT_MAX_LENGTH, Frequency, Grade, Manifestation, PeerGroupMode
from evaluations.services import GROUP_SIZE_MAX, K_ANONYMITY_MAX, SHARE_DENOMINATOR_MAX, RatingInput, RoundOptions
from project.org.models import Cadre, Unit, UnitQuerySet

_OPTION_FIELDS = tuple(RoundOptions.__dataclass_fields__)
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoundForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    scope = forms.ModelChoiceField(label=_("scope (unit subtree)"), queryset=Unit.objects.none())
    period_start = forms.DateField(label=_("period start"), widget=_DATE)
    period_end = forms.DateField(label=_("period end"), widget=_DATE)
    weight_self = forms.IntegerField(label=_("self weight (%)"), initial=20, min_value=0, max_value=100)
    weight_peer = forms.IntegerField(label=_("peer weight (%)"), initial=40, min_value=0, max_value=100)
    weight_leader = forms.IntegerField(label=_("leader weight (%)"), initial=40, min_value=0, max_value=100)
    k_anonymity = forms.IntegerField(
        label=_("anonymity threshold k"),
        initial=3,
        min_value=2,
        max_value=K_ANONYMITY_MAX,
        error_messages={"min_value": _("The anonymity threshold k must be at least 2.")},
        help_text=_("A peer group with fewer sheets is shown as “insufficient ratings”, never as a number."),
    )
    composite_threshold = forms.DecimalField(
        label=_("composite threshold"), initial=Decimal("2.00"), max_digits=3, decimal_places=2
    )
    unfavourable_share_numerator = forms.IntegerField(
        label=_("unfavourable share: numerator"), initial=1, min_value=1, max_value=SHARE_DENOMINATOR_MAX
    )
    unfavourable_share_denominator = forms.IntegerField(
        label=_("unfavourable share: denominator"), initial=3, min_value=1, max_value=SHARE_DENOMINATOR_MAX
    )
    gap_threshold = forms.DecimalField(
        label=_("self-vs-others gap threshold"), initial=Decimal("1.50"), max_digits=3, decimal_places=2
    )
    peer_group_mode = forms.ChoiceField(
        label=_("peer groups"), choices=PeerGroupMode.choices, initial=PeerGroupMode.SAME_UNIT
    )
    small_unit_size = forms.IntegerField(label=_("small group size"), initial=15, min_value=2, max_value=GROUP_SIZE_MAX)
    min_peer_sheets = forms.IntegerField(
        label=_("minimum peer sheets per cadre"), initial=8, min_value=1, max_value=GROUP_SIZE_MAX
    )

    def __init__(self, *args: Any, scopes: UnitQuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = scopes  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", gettext("The period cannot end before it starts."))
        if all(name in cleaned for name in _OPTION_FIELDS):
            for name, messages in self.options().errors().items():
                for message in messages:
                    self.add_error(name, message)
        return cleaned

    def options(self) -> RoundOptions:
        return RoundOptions(**{name: self.cleaned_data[name] for name in _OPTION_FIELDS})


# One radio button of the rating sheet. A sheet has a few hundred of them: written by Django's widget
# templates they made the ballot page five times slower, and even one template loop over them was most of
# the page's time, so they are written here, every value escaped, in one string per question.
_RADIO = (
    '<input type="radio" name="{name}" value="{value}" class="btn-check" required id="{id}_{index}"{checked}>'
    '<label class="btn {css} btn-sm" for="{id}_{index}">{text}</label>'
)


def radio_buttons(field: forms.BoundField, options: Sequence[tuple[str, str, str]], css: str) -> SafeString:
    """The radio buttons of one question, with the ids Django would give them (`<auto_id>_<index>`).

    `options` are (value, escaped value, escaped text) triples — the same for every question of a kind,
    so `radio_options` escapes them once per sheet.
    """
    current = field.value()
    current = "" if current is None else str(current)
    name, auto_id = escape(field.html_name), escape(field.auto_id)
    return mark_safe(  # noqa: S308 - every value in it is escaped (here or in radio_options)
        "".join(
            _RADIO.format(
                name=name,
                value=value,
                id=auto_id,
                index=index,
                css=css,
                text=text,
                checked=" checked" if raw == current else "",
            )
            for index, (raw, value, text) in enumerate(options)
        )
    )


def radio_options(choices: Iterable[tuple[Any, Any]], *, show_value: bool) -> list[tuple[str, str, str]]:
    """(value, escaped value, escaped text) for `radio_buttons`, in the active language; the text is
    "value · label" when `show_value`, the label alone otherwise."""
    options: list[tuple[str, str, str]] = []
    for value, label in choices:
        raw, text = str(value), escape(label)
        options.append((raw, escape(raw), f"{escape(raw)} · {text}" if show_value else text))
    return options


@dataclass(frozen=True)
class SubjectSection:
    """The fields rating one colleague, for the template, with each question's radio buttons."""

    subject: Cadre
    scores: list[tuple[Manifestation, forms.BoundField, SafeString]]
    grade: forms.BoundField
    grade_buttons: SafeString
    comment: forms.BoundField


# A sheet has a field per colleague and question (54 for 9 colleagues and 5 manifestations). Building
# each with its own widget and choices took 50 µs; a shallow copy of one of these takes 3. The copies
# share the widget, choices and messages, which no form changes (each copy gets its own label).
_SCORE = forms.TypedChoiceField(
    choices=Frequency.choices,
    coerce=int,
    widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    error_messages={"required": _("Choose how often you observed this.")},
)
_GRADE = forms.ChoiceField(
    label=_("overall grade"),
    choices=Grade.choices,
    widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    error_messages={"required": _("Choose an overall grade.")},
)
_COMMENT = forms.CharField(
    label=_("comment (optional)"),
    required=False,
    max_length=COMMENT_MAX_LENGTH,
    widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
)


SECTION_TEMPLATE = "evaluations/_rating_section.html"
# Placeholders for the colleague in a sheet skeleton (SheetSkeleton). NUL cannot be stored in a PostgreSQL text
# column and Django's form fields refuse it, so no name, post or label contains them; escaping leaves them as
# they are.
_PLACEHOLDERS = {"pk": "\x00skeleton-pk\x00", "name": "\x00skeleton-name\x00", "post": "\x00skeleton-post\x00"}
_SLOTS = {placeholder: slot for slot, placeholder in _PLACEHOLDERS.items()}
_PLACEHOLDER = re.compile("(" + "|".join(re.escape(p) for p in _PLACEHOLDERS.values()) + ")")
SKELETON_TIMEOUT = 24 * 3600


@cache
def _skeleton_code_version() -> str:
    """What a skeleton's markup depends on besides its key's data: the section template, the radio button
    markup and Django's widget templates. In the key, so that a cache shared across a deployment (Redis)
    never serves a skeleton of another version of the code."""
    source = get_template(SECTION_TEMPLATE).template.source  # type: ignore[attr-defined]
    return hashlib.sha256(f"{source}|{_RADIO}|{django.get_version()}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SheetSkeleton:
    """The empty rating section of one colleague, rendered once from SECTION_TEMPLATE for a set of questions
    and a language, with placeholders where the colleague goes (their id, in the field names and ids, their
    name and their post): `parts` alternates literal markup and slot names ("pk", "name", "post").

    An empty sheet of nine colleagues is the same section nine times over with another colleague in it:
    filling a skeleton takes microseconds where rendering the template took milliseconds a sheet. A sheet
    with answers or errors is rendered from the form, never from a skeleton.
    """

    parts: tuple[str, ...]

    @classmethod
    def render(cls, manifestations: Sequence[Manifestation]) -> SheetSkeleton:
        placeholder = Cadre(pk=_PLACEHOLDERS["pk"], name=_PLACEHOLDERS["name"], post=_PLACEHOLDERS["post"])
        form = RatingSheetForm(subjects=[placeholder], manifestations=manifestations)
        (section,) = form.sections()
        html = render_to_string(SECTION_TEMPLATE, {"section": section})
        return cls(tuple(_SLOTS.get(part, part) if i % 2 else part for i, part in enumerate(_PLACEHOLDER.split(html))))

    @classmethod
    def get(cls, manifestations: Sequence[Manifestation]) -> SheetSkeleton:
        """The skeleton for these questions in the active language, from the cache or rendered (and cached)."""
        labels = [(m.pk, m.code, m.label) for m in manifestations]
        texts = [str(_COMMENT.label), gettext("Overall grade"), *(str(label) for _v, label in Frequency.choices)]
        texts += [str(label) for _v, label in Grade.choices]
        key_data = repr((_skeleton_code_version(), get_language(), labels, texts))
        key = "evaluations:sheet-skeleton:" + hashlib.sha256(key_data.encode()).hexdigest()
        skeleton: SheetSkeleton | None = django_cache.get(key)
        if skeleton is None:
            skeleton = cls.render(manifestations)
            django_cache.set(key, skeleton, SKELETON_TIMEOUT)
        return skeleton

    def fill(self, subject: Cadre) -> str:
        # Escaped as the template escapes them ({{ }} applies conditional_escape).
        values = {
            "pk": str(subject.pk),
            "name": conditional_escape(subject.name),
            "post": conditional_escape(subject.post),
        }
        return "".join(values[part] if i % 2 else part for i, part in enumerate(self.parts))


class RatingSheetForm(forms.Form):
    """Every manifestation 0–4, an overall grade and an optional comment, for each subject.

    Field names are `s<cadre id>-m<manifestation id>`, `s<cadre id>-grade`, `s<cadre id>-comment`.
    A missing answer keeps everything else that was entered and is named in the error summary
    with the colleague and the question.
    """

    def __init__(
        self, *args: Any, subjects: Sequence[Cadre], manifestations: Sequence[Manifestation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subjects = list(subjects)
        self.manifestations = list(manifestations)
        for subject in self.subjects:
            for item in self.manifestations:
                score = copy.copy(_SCORE)
                score.label = item.label
                self.fields[f"s{subject.pk}-m{item.pk}"] = score
            self.fields[f"s{subject.pk}-grade"] = copy.copy(_GRADE)
            self.fields[f"s{subject.pk}-comment"] = copy.copy(_COMMENT)

    def sections(self) -> list[SubjectSection]:
        frequencies = radio_options(Frequency.choices, show_value=True)
        grades = radio_options(Grade.choices, show_value=False)
        sections = []
        for subject in self.subjects:
            grade = self[f"s{subject.pk}-grade"]
            sections.append(
                SubjectSection(
                    subject=subject,
                    scores=[
                        (item, field, radio_buttons(field, frequencies, "btn-outline-danger"))
                        for item in self.manifestations
                        for field in (self[f"s{subject.pk}-m{item.pk}"],)
                    ],
                    grade=grade,
                    grade_buttons=radio_buttons(grade, grades, "btn-outline-secondary"),
                    comment=self[f"s{subject.pk}-comment"],
                )
            )
        return sections

    def sections_html(self) -> SafeString:
        """Every colleague's section of the sheet: an empty sheet from the cached skeleton of its questions
        (SheetSkeleton), a sheet with answers or errors from the form, section by section."""
        if self.is_bound:
            html = "".join(render_to_string(SECTION_TEMPLATE, {"section": section}) for section in self.sections())
        else:
            skeleton = SheetSkeleton.get(self.manifestations)
            html = "".join(skeleton.fill(subject) for subject in self.subjects)
        return mark_safe(html)  # noqa: S308 - rendered by the template engine, or a skeleton filled with escaped values

    def error_summary(self) -> list[tuple[str, str]]:
        """(field id, "colleague — question: message") for every error, in the order of the sheet."""
        names = {f"s{s.pk}": s.name for s in self.subjects}
        summary = []
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                who = names[name.split("-")[0]]
                summary.append((self[name].auto_id, f"{who} — {field.label}: {message}"))
        return summary

    def ratings(self) -> list[RatingInput]:
        data = self.cleaned_data
        return [
            RatingInput(
                subject_id=subject.pk,
                grade=data[f"s{subject.pk}-grade"],
                scores={item.pk: data[f"s{subject.pk}-m{item.pk}"] for item in self.manifestations},
                comment=data[f"s{subject.pk}-comment"],
            )
            for subject in self.subjects
        ]

"""Serializers of the matters API (cases/matters/api.py): what goes out, and the bodies of the action
endpoints. Bodies only check types; the services check the rest in their own words (400 per field).
State fields are read-only: only the services move them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.matters import permissions
from cases.matters.models import (
    DECISION_OUTCOMES,
    EVIDENCE_NOTE_MAX_LENGTH,
    VERIFICATION_NOTE_MAX_LENGTH,
    AccountabilityMatter,
    AnswerValue,
    ApplicantKind,
    ChecklistAnswer,
    CorrectionTask,
    MatterDecision,
    MatterReviewer,
    MatterState,
)
from project.api.views import id_field, text_field
from project.org.api import CadreRefSerializer, UnitRefSerializer, UserRefSerializer


class ReviewerSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    user = UserRefSerializer(read_only=True)

    class Meta:
        model = MatterReviewer
        fields = ["user", "committee_chair", "assigned_at"]
        read_only_fields = fields


class MatterSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    cadre = CadreRefSerializer(read_only=True)
    unit = UnitRefSerializer(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = AccountabilityMatter
        fields = [
            "id", "state", "state_label", "title", "cadre", "unit", "is_inaction", "received_on",
            "acceptance_deadline", "investigation_deadline", "recommended_outcome", "decided_outcome", "decided_on",
            "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class MatterDetailSerializer(MatterSerializer):
    reviewers = ReviewerSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField(help_text="What the user may do now (state and person).")

    class Meta(MatterSerializer.Meta):
        fields = [
            *MatterSerializer.Meta.fields,
            "facts", "applicant_kind", "application_statement", "applied_on", "accepted_on", "rejected_on",
            "rejection_reason", "investigation_deadline_original", "extension_reason", "investigation_started_at",
            "ruleset", "recommendation", "recommended_at", "decided_at", "appeal_reason", "appealed_on",
            "filed_on", "filed_with", "name_cleared", "name_cleared_on", "reviewers", "actions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_actions(self, matter: AccountabilityMatter) -> dict[str, bool]:
        return permissions.matter_actions(self.context["request"].user, matter)


class AnswerSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    answered_by = UserRefSerializer(read_only=True, allow_null=True)
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistAnswer
        fields = [
            "criterion_id", "value", "evidence_note", "has_attachment", "suggested", "suggested_value",
            "suggestion_source", "answered_by", "answered_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_attachment(self, answer: ChecklistAnswer) -> bool:
        return bool(answer.attachment)


class AssessmentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The fault-tolerance assessment (容错认定) of the matter's saved checklist by its pinned ruleset."""

    ruleset = serializers.CharField(read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    assessment = serializers.SerializerMethodField(
        help_text="The engine's recommendation: outcome, missing answers, trace, reasons in zh and en."
    )

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_assessment(self, data: dict[str, Any]) -> dict[str, Any]:
        return dict(data["assessment"].to_dict())


class DecisionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    proposed_by = UserRefSerializer(read_only=True)
    confirmed_by = UserRefSerializer(read_only=True, allow_null=True)
    declined_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = MatterDecision
        fields = [
            "id", "status", "outcome", "recommended_outcome", "justification", "proposed_by", "proposed_at",
            "confirmed_by", "confirmed_at", "declined_by", "declined_at", "decline_reason",
        ]  # fmt: skip
        read_only_fields = fields


class CorrectionTaskSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    owner = UserRefSerializer(read_only=True)
    verified_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CorrectionTask
        fields = ["id", "owner", "description", "deadline", "created_at", "verified_at", "verified_by"]
        read_only_fields = fields


# --- bodies ------------------------------------------------------------------------------------------------


class AssignReviewerBody(serializers.Serializer):  # type: ignore[type-arg]
    user = id_field("The reviewer's user id.")
    committee_chair = serializers.BooleanField(required=False, default=False)


class ApplyBody(serializers.Serializer):  # type: ignore[type-arg]
    applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices)
    statement = text_field()


class ExtendBody(serializers.Serializer):  # type: ignore[type-arg]
    until = serializers.DateField()
    reason = text_field()


class ChecklistAnswerBody(serializers.Serializer):  # type: ignore[type-arg]
    value = serializers.ChoiceField(choices=AnswerValue.choices)
    note = text_field(max_length=EVIDENCE_NOTE_MAX_LENGTH)


class ChecklistBody(serializers.Serializer):  # type: ignore[type-arg]
    answers = serializers.DictField(
        child=ChecklistAnswerBody(), help_text="Criterion id → answer (attachments: on the checklist page)."
    )


# The outcomes a person may decide (every one but "insufficient"); named in SPECTACULAR_SETTINGS.
DECISION_CHOICES = [(o.value, o.label) for o in DECISION_OUTCOMES]


class ProposeBody(serializers.Serializer):  # type: ignore[type-arg]
    outcome = serializers.ChoiceField(choices=DECISION_CHOICES)
    justification = text_field()


class CorrectionTaskBody(serializers.Serializer):  # type: ignore[type-arg]
    owner = id_field("The owner's user id.")
    description = text_field()
    deadline = serializers.DateField()


class VerifyTaskBody(serializers.Serializer):  # type: ignore[type-arg]
    task = id_field("The correction task's id.")
    note = text_field(max_length=VERIFICATION_NOTE_MAX_LENGTH)


class FeedbackBody(serializers.Serializer):  # type: ignore[type-arg]
    text = text_field()


class MatterFilterParams(serializers.Serializer):  # type: ignore[type-arg]
    state = serializers.ChoiceField(choices=MatterState.choices, required=False)
    overdue = serializers.BooleanField(required=False, default=False)

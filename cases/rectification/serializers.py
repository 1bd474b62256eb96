"""Serializers of the rectification API (cases/rectification/api.py): what goes out, and the bodies of the
action endpoints. Bodies only check types; the services check everything else and say so in their own
words (a ValidationError per field → 400). State fields are read-only: only the services move them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from cases.rectification import permissions, selectors
from cases.rectification.evidence import visible_evidence
from cases.rectification.models import (
    CareKind,
    CareMeasure,
    CaseState,
    Commitment,
    HandlingMeasure,
    RectificationCase,
    RectificationPlan,
    Talk,
    TalkKind,
    WithdrawalReason,
)
from cases.rectification.talk_services import COMMITMENTS_PER_TALK_MAX
from cases.rectification.visit_models import VisitAttachment, VisitObservation, VisitPlan, VisitVerdict
from project.api.views import id_field, text_field
from project.org.api import CadreRefSerializer, UnitRefSerializer, UserRefSerializer

# --- what goes out --------------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    cadre = CadreRefSerializer(read_only=True)
    unit = UnitRefSerializer(read_only=True)
    leader = UserRefSerializer(read_only=True, allow_null=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="An open commitment or the period past due.")

    class Meta:
        model = RectificationCase
        fields = [
            "id", "state", "state_label", "cadre", "unit", "leader", "round_id", "round_title", "manifestations",
            "repeat_offence", "period_start", "period_end", "is_overdue", "created_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    evidence = serializers.SerializerMethodField(help_text="What the round said at nomination, frozen.")
    actions = serializers.SerializerMethodField(help_text="What the user may do now (state and person).")

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "opening_reason", "evidence", "determination_note", "dismissal_reason", "determined_at",
            "leader_assigned_at", "verifying_since", "predecessor", "handling_measure", "handling_note",
            "withdrawal_reason", "withdrawal_note", "actions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_evidence(self, case: RectificationCase) -> dict[str, Any]:
        # The page's own filter: colleagues' comments go to the organization department only.
        return visible_evidence(self.context["request"].user, case)

    def get_actions(self, case: RectificationCase) -> dict[str, bool]:
        return permissions.case_actions(self.context["request"].user, case)


class CommitmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Commitment
        fields = ["id", "case", "talk", "text", "deadline", "status", "done_at", "created_at"]
        read_only_fields = fields


class TalkSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    talker = UserRefSerializer(read_only=True)
    commitments = CommitmentSerializer(many=True, read_only=True)

    class Meta:
        model = Talk
        fields = [
            "id", "case", "kind", "held_at", "place", "talker", "talker_name", "talker_unit", "talker_post",
            "recorder", "recorder_name", "recorder_unit", "recorder_post", "subject_name", "subject_unit",
            "subject_post", "purpose", "content", "statement", "copy_to", "recorded_at", "signed_at",
            "acknowledgement", "dissent", "acknowledged_at", "commitments",
        ]  # fmt: skip
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    created_by = UserRefSerializer(read_only=True)

    class Meta:
        model = RectificationPlan
        fields = ["id", "case", "measures", "period_months", "created_by", "created_at"]
        read_only_fields = fields


class CareMeasureSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    recorded_by = UserRefSerializer(read_only=True)

    class Meta:
        model = CareMeasure
        fields = ["id", "case", "kind", "description", "on", "recorded_by", "recorded_at"]
        read_only_fields = fields


class VisitAttachmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = VisitAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class VisitObservationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    recorded_by = UserRefSerializer(read_only=True)
    attachments = VisitAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = VisitObservation
        fields = ["id", "observed_at", "text", "recorded_by", "recorded_at", "attachments"]
        read_only_fields = fields


class VisitPlanSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A sealed visit plan: only ever serialized for a plan from `VisitPlan.objects.visible_to(user)`."""

    team = UserRefSerializer(many=True, read_only=True)
    created_by = UserRefSerializer(read_only=True)
    observations = VisitObservationSerializer(many=True, read_only=True)

    class Meta:
        model = VisitPlan
        fields = [
            "id", "case", "team", "window_start", "window_end", "method", "sealed_at", "visit_date",
            "executed_at", "verdict", "verdict_note", "created_by", "created_at", "observations",
        ]  # fmt: skip
        read_only_fields = fields


# --- bodies of the action endpoints -------------------------------------------------------------------------


class NoteBody(serializers.Serializer):  # type: ignore[type-arg]
    note = text_field()


class AssignLeaderBody(serializers.Serializer):  # type: ignore[type-arg]
    leader = id_field("The user id of the leader.")


class EscalateBody(serializers.Serializer):  # type: ignore[type-arg]
    measure = serializers.ChoiceField(choices=HandlingMeasure.choices)
    note = text_field()


class RestartBody(serializers.Serializer):  # type: ignore[type-arg]
    period_months = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=32767)


class WithdrawBody(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.ChoiceField(choices=WithdrawalReason.choices)
    note = text_field()


class PlanBody(serializers.Serializer):  # type: ignore[type-arg]
    measures = text_field()
    period_months = serializers.IntegerField(required=False, default=6, min_value=0, max_value=32767)


class CommitmentBody(serializers.Serializer):  # type: ignore[type-arg]
    text = text_field()
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class CareBody(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=CareKind.choices)
    description = text_field()
    on = serializers.DateField(required=False, allow_null=True, default=None)


class TalkCommitmentBody(serializers.Serializer):  # type: ignore[type-arg]
    text = text_field()
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class TalkBody(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=TalkKind.choices, default=TalkKind.HEART_TO_HEART)
    held_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    place = text_field()
    recorder = id_field("The cadre id of the recorder.")
    purpose = text_field()
    content = text_field()
    statement = text_field()
    # many=True makes a ListSerializer, which takes max_length (DRF 3.14+; its stubs do not know it).
    commitments = TalkCommitmentBody(  # type: ignore[call-arg]
        many=True, required=False, default=list, max_length=COMMITMENTS_PER_TALK_MAX
    )


class VisitPlanBody(serializers.Serializer):  # type: ignore[type-arg]
    team = serializers.ListField(
        child=id_field("A user id."),
        max_length=50,
        help_text="Inspectors' user ids.",
    )
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    method = text_field()


class ObservationBody(serializers.Serializer):  # type: ignore[type-arg]
    text = text_field()
    observed_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class VerdictBody(serializers.Serializer):  # type: ignore[type-arg]
    verdict = serializers.ChoiceField(choices=VisitVerdict.choices)
    note = text_field()


class CaseFilterParams(serializers.Serializer):  # type: ignore[type-arg]
    """The list's query parameters (the page's filters)."""

    state = serializers.ChoiceField(choices=CaseState.choices, required=False)
    unit = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text="A unit subtree.")
    manifestation = serializers.CharField(required=False, max_length=20)
    overdue = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=sorted(selectors.SORTS), required=False, default=selectors.DEFAULT_SORT)

"""Accountability matters (问责事项) and their fault-tolerance assessment (容错纠错) over the REST API.

Reads start from `selectors.matter_list` / `AccountabilityMatter.objects.visible_to` (assigned reviewers,
org_admin and auditor of the subtree; never the cadre concerned), and reading a file is logged like its
page. Every step is a POST endpoint calling the same service as the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.fault_tolerance import assess, load_ruleset
from cases.matters import decision_services, permissions, selectors, services
from cases.matters import serializers as s
from cases.matters.exceptions import InvalidTransition
from cases.matters.models import AccountabilityMatter, ApplicantKind, ChecklistAnswer
from cases.matters.services import AnswerInput
from project.api.urls import Route
from project.api.views import (
    ACTION_ERRORS,
    READ_ERRORS,
    EmptySerializer,
    ErrorSerializer,
    ReasonBody,
    VisibleViewSet,
    active_user,
)
from project.audit.services import audit_log_read

F = TypeVar("F", bound=Callable[..., Any])


def _step(body: type[serializers.Serializer[Any]] | None = None, response: Any = None) -> Callable[[F], F]:
    return extend_schema(
        request=body or EmptySerializer, responses={200: response or s.MatterDetailSerializer, **ACTION_ERRORS}
    )


@extend_schema_view(
    list=extend_schema(parameters=[s.MatterFilterParams]),
    retrieve=extend_schema(responses={200: s.MatterDetailSerializer, **READ_ERRORS}),
)
class MatterViewSet(VisibleViewSet):
    """Accountability matters whose file the user may read."""

    queryset = AccountabilityMatter.objects.none()
    serializer_class = s.MatterSerializer

    def get_serializer_class(self) -> Any:
        return s.MatterSerializer if self.action == "list" else s.MatterDetailSerializer

    def visible(self) -> QuerySet[Any]:
        state, overdue = "", False
        if self.action == "list":
            params = s.MatterFilterParams(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            state, overdue = params.validated_data.get("state", ""), params.validated_data["overdue"]
        matters = selectors.matter_list(
            user=self.request.user, today=timezone.localdate(), state=state, overdue=overdue
        )
        return matters.prefetch_related("reviewers__user") if self.action == "retrieve" else matters

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        matter = self.get_object()
        audit_log_read(actor=request.user, obj=matter, what="file")
        return self.respond(matter)

    def _done(self, matter: AccountabilityMatter) -> Response:
        shown = self.visible().prefetch_related("reviewers__user").filter(pk=matter.pk).first()
        return self.respond(shown or matter, s.MatterDetailSerializer)

    # --- reading the assessment ---------------------------------------------------------------------------

    @extend_schema(responses={200: s.AssessmentSerializer, 404: ErrorSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["get"])
    def assessment(self, request: Request, pk: str) -> Response:
        """The saved checklist and the engine's assessment of it under the pinned ruleset (409 before the
        investigation starts). Logged as a read of the checklist, like its page."""
        return self._assessment(self.get_object())

    def _assessment(self, matter: AccountabilityMatter) -> Response:
        if not matter.ruleset:
            raise InvalidTransition(_("The checklist opens when the investigation starts."), code="no_checklist")
        answers = list(
            ChecklistAnswer.objects.filter(matter=matter).select_related("answered_by").order_by("criterion_id")
        )
        result = assess(load_ruleset(matter.ruleset), {row.criterion_id: row.value for row in answers})
        audit_log_read(actor=self.request.user, obj=matter, what="checklist")
        return Response(
            s.AssessmentSerializer({"ruleset": matter.ruleset, "answers": answers, "assessment": result}).data
        )

    @extend_schema(responses={200: s.DecisionSerializer(many=True), **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def decisions(self, request: Request, pk: str) -> Response:
        """Proposed, confirmed and declined decisions, newest first."""
        matter = self.get_object()
        audit_log_read(actor=request.user, obj=matter, what="decision")
        return self.page_of(selectors.matter_decisions(matter), s.DecisionSerializer)

    # --- steps --------------------------------------------------------------------------------------------

    @_step(s.AssignReviewerBody, s.ReviewerSerializer)
    @action(detail=True, methods=["post"], url_path="assign-reviewer")
    def assign_reviewer(self, request: Request, pk: str) -> Response:
        """Assign a reviewer (or the committee chair)."""
        matter = self.get_object()
        data = self.payload(s.AssignReviewerBody, allowed=permissions.can_assign_reviewers(request.user, matter))
        assignment = services.matter_assign_reviewer(
            actor=request.user,
            matter=matter,
            user=active_user(data["user"], "user"),
            committee_chair=data["committee_chair"],
        )
        return self.respond(assignment, s.ReviewerSerializer)

    @_step(s.ApplyBody)
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str) -> Response:
        """Record the application for fault tolerance (申请): by the unit or proposed by the body."""
        matter = self.get_object()
        data = self.payload(
            s.ApplyBody,
            allowed=any(permissions.can_apply_matter(request.user, matter, kind) for kind in ApplicantKind.values),
        )
        return self._done(
            services.matter_apply(
                actor=request.user, matter=matter, applicant_kind=data["applicant_kind"], statement=data["statement"]
            )
        )

    @_step()
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Accept the application (受理)."""
        return self._done(services.matter_accept(actor=request.user, matter=self.get_object()))

    @_step(ReasonBody)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        """Do not accept the application (不予受理), with the reason."""
        matter = self.get_object()
        data = self.payload(ReasonBody)
        return self._done(services.matter_reject(actor=request.user, matter=matter, reason=data["reason"]))

    @_step()
    @action(detail=True, methods=["post"], url_path="start-investigation")
    def start_investigation(self, request: Request, pk: str) -> Response:
        """Start (or after an appeal restart) the investigation; pins the ruleset."""
        return self._done(services.matter_start_investigation(actor=request.user, matter=self.get_object()))

    @_step(s.ExtendBody)
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str) -> Response:
        """Extend the investigation once, by at most a month, with a reason."""
        matter = self.get_object()
        data = self.payload(s.ExtendBody, allowed=permissions.can_extend_investigation(request.user, matter))
        return self._done(
            services.matter_extend_investigation(
                actor=request.user, matter=matter, until=data["until"], reason=data["reason"]
            )
        )

    @_step(s.ChecklistBody, s.AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def checklist(self, request: Request, pk: str) -> Response:
        """Save checklist answers (assigned reviewers, under investigation); answers the new assessment."""
        matter = self.get_object()
        data = self.payload(s.ChecklistBody, allowed=permissions.can_answer_checklist(request.user, matter))
        given = {cid: AnswerInput(value=a["value"], note=a["note"]) for cid, a in data["answers"].items()}
        services.checklist_save(actor=request.user, matter=matter, answers=given)
        return self._assessment(matter)

    @_step()
    @action(detail=True, methods=["post"])
    def recommend(self, request: Request, pk: str) -> Response:
        """Close the investigation with the engine's recommendation on the saved checklist."""
        return self._done(services.matter_recommend(actor=request.user, matter=self.get_object()))

    @_step(s.ProposeBody, s.DecisionSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request: Request, pk: str) -> Response:
        """Propose the outcome (the first of two people)."""
        matter = self.get_object()
        data = self.payload(s.ProposeBody, allowed=permissions.can_propose_decision(request.user, matter))
        decision = decision_services.decision_propose(
            actor=request.user, matter=matter, outcome=data["outcome"], justification=data["justification"]
        )
        return self.respond(decision, s.DecisionSerializer)

    @_step(None, s.DecisionSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-decision")
    def confirm_decision(self, request: Request, pk: str) -> Response:
        """Confirm the waiting proposal (a second, different person): the matter is decided."""
        decision = decision_services.decision_confirm(actor=request.user, matter=self.get_object())
        return self.respond(decision, s.DecisionSerializer)

    @_step(ReasonBody, s.DecisionSerializer)
    @action(detail=True, methods=["post"], url_path="decline-decision")
    def decline_decision(self, request: Request, pk: str) -> Response:
        """Decline the waiting proposal, with the reason."""
        matter = self.get_object()
        data = self.payload(ReasonBody)
        decision = decision_services.decision_decline(actor=request.user, matter=matter, reason=data["reason"])
        return self.respond(decision, s.DecisionSerializer)

    @extend_schema(methods=["GET"], responses={200: s.CorrectionTaskSerializer(many=True), **READ_ERRORS})
    @extend_schema(
        methods=["POST"], request=s.CorrectionTaskBody, responses={201: s.CorrectionTaskSerializer, **ACTION_ERRORS}
    )
    @action(detail=True, methods=["get", "post"], url_path="correction-tasks")
    def correction_tasks(self, request: Request, pk: str) -> Response:
        """Correction tasks (纠错); POST adds one."""
        matter = self.get_object()
        if request.method != "POST":  # GET, and HEAD like GET
            tasks = matter.correction_tasks.select_related("owner", "verified_by").order_by("deadline", "pk")
            return self.page_of(tasks, s.CorrectionTaskSerializer)
        data = self.payload(s.CorrectionTaskBody, allowed=permissions.can_manage_corrections(request.user, matter))
        task = decision_services.correction_task_add(
            actor=request.user,
            matter=matter,
            owner=active_user(data["owner"], "owner"),
            description=data["description"],
            deadline=data["deadline"],
        )
        return Response(s.CorrectionTaskSerializer(task).data, status=201)

    @_step(s.VerifyTaskBody, s.CorrectionTaskSerializer)
    @action(detail=True, methods=["post"], url_path="verify-task")
    def verify_task(self, request: Request, pk: str) -> Response:
        """Record that a correction task was done (someone other than its owner)."""
        matter = self.get_object()
        data = self.payload(s.VerifyTaskBody, allowed=permissions.can_manage_corrections(request.user, matter))
        task = matter.correction_tasks.filter(pk=data["task"]).first()
        if task is None:
            raise Http404
        verified = decision_services.correction_task_verify(actor=request.user, task=task, note=data["note"])
        return self.respond(verified, s.CorrectionTaskSerializer)

    @_step(ReasonBody)
    @action(detail=True, methods=["post"])
    def appeal(self, request: Request, pk: str) -> Response:
        """Record an appeal (申诉) of the decision."""
        matter = self.get_object()
        data = self.payload(ReasonBody)
        return self._done(decision_services.matter_appeal(actor=request.user, matter=matter, reason=data["reason"]))

    @_step(s.FeedbackBody)
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: str) -> Response:
        """Record the written feedback (书面反馈) to the applicant."""
        matter = self.get_object()
        data = self.payload(s.FeedbackBody)
        decision_services.feedback_record(actor=request.user, matter=matter, text=data["text"])
        return self._done(matter)

    @_step()
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Close the matter (办结) once its correction tasks are verified."""
        return self._done(decision_services.matter_close(actor=request.user, matter=self.get_object()))


ROUTES: list[Route] = [("matters", MatterViewSet, "matter")]

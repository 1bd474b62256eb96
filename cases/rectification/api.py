"""Rectification cases and their records over the REST API: the same reads and the same services as the pages.

- `/cases/`: `selectors.case_list` (visible_to: org_admin and auditor of the subtree, the leader in charge;
  never the cadre concerned). Reading a case is logged like its page. Each step is a POST endpoint calling
  the service the page calls; records (plans, commitments, care measures, talks) are listed and added
  under the case.
- `/talks/`, `/commitments/`: those of visible cases; signing a talk and checking a commitment off.
- `/visits/` and `/cases/{id}/visits/`: `VisitPlan.objects.visible_to` — the visit team and the organization
  department only; the cadre and the leader in charge get 404, exactly as on the pages. Every plan shown
  is logged as a read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.rectification import period_services, permissions, selectors, services, talk_services, visit_services, visits
from cases.rectification import serializers as s
from cases.rectification.models import Commitment, RectificationCase, Talk
from cases.rectification.talk_services import CommitmentInput
from cases.rectification.visit_models import VisitObservation, VisitPlan
from project.api.permissions import hide_unless
from project.api.urls import Route
from project.api.views import ACTION_ERRORS, READ_ERRORS, EmptySerializer, ReasonBody, VisibleViewSet, active_user
from project.audit.services import AuditEntry, audit_log_read, audit_record_many
from project.org.models import Cadre, User

F = TypeVar("F", bound=Callable[..., Any])


def _step(body: type[serializers.Serializer[Any]] | None = None) -> Callable[[F], F]:
    """The schema of a case step: its body, the case back, and the domain errors."""
    return extend_schema(request=body or EmptySerializer, responses={200: s.CaseDetailSerializer, **ACTION_ERRORS})


def _records(
    serializer: type[serializers.Serializer[Any]], body: type[serializers.Serializer[Any]]
) -> Callable[[F], F]:
    """The schema of a case's records: GET lists them, POST adds one."""
    read = extend_schema(methods=["GET"], responses={200: serializer(many=True), **READ_ERRORS})
    add = extend_schema(methods=["POST"], request=body, responses={201: serializer, **ACTION_ERRORS})

    def decorate(view: F) -> F:
        return read(add(view))

    return decorate


@extend_schema_view(
    list=extend_schema(parameters=[s.CaseFilterParams]),
    retrieve=extend_schema(responses={200: s.CaseDetailSerializer, **READ_ERRORS}),
)
class CaseViewSet(VisibleViewSet):
    """Rectification cases (整治案件) the user may read on the staff pages."""

    queryset = RectificationCase.objects.none()
    serializer_class = s.CaseSerializer

    def get_serializer_class(self) -> Any:
        return s.CaseSerializer if self.action == "list" else s.CaseDetailSerializer

    def visible(self) -> QuerySet[Any]:
        filters = selectors.CaseFilters()
        if self.action == "list":
            params = s.CaseFilterParams(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            data = params.validated_data
            unit = None
            if "unit" in data:
                # The filter offers the units the user reads cases in; any other unit lists nothing.
                unit = selectors.filter_units(user=self.request.user).filter(pk=data["unit"]).first()
                if unit is None:
                    return RectificationCase.objects.none()
            filters = selectors.CaseFilters(
                unit=unit,
                state=data.get("state", ""),
                manifestation=data.get("manifestation", ""),
                overdue=data["overdue"],
                sort=data["sort"],
            )
        return selectors.case_list(user=self.request.user, today=timezone.localdate(), filters=filters)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        audit_log_read(actor=request.user, obj=case, what="case file")
        return self.respond(case)

    def _done(self, case: RectificationCase) -> Response:
        # Read back through the visible queryset: the annotations, and nothing the user may no longer see.
        return self.respond(self.visible().filter(pk=case.pk).first() or case, s.CaseDetailSerializer)

    # --- steps ------------------------------------------------------------------------------------------

    @_step(s.NoteBody)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        """Confirm the nominated cadre as a rectification target (组织评定)."""
        data = self.payload(s.NoteBody)
        return self._done(services.case_confirm(actor=request.user, case=self.get_object(), note=data["note"]))

    @_step(ReasonBody)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str) -> Response:
        """Dismiss the nomination (不予确定)."""
        data = self.payload(ReasonBody)
        return self._done(services.case_dismiss(actor=request.user, case=self.get_object(), reason=data["reason"]))

    @_step(s.AssignLeaderBody)
    @action(detail=True, methods=["post"], url_path="assign-leader")
    def assign_leader(self, request: Request, pk: str) -> Response:
        """Assign the leader in charge (分管领导): the case moves to talks (谈心谈话)."""
        case = self.get_object()
        data = self.payload(s.AssignLeaderBody, allowed=permissions.can_assign_leader_case(request.user, case))
        leader = active_user(data["leader"], "leader")
        return self._done(services.case_assign_leader(actor=request.user, case=case, leader=leader))

    @_step()
    @action(detail=True, methods=["post"], url_path="start-rectifying")
    def start_rectifying(self, request: Request, pk: str) -> Response:
        """Start the rectification period (a signed talk, a plan and a commitment with a deadline first)."""
        return self._done(period_services.case_start_rectifying(actor=request.user, case=self.get_object()))

    @_step()
    @action(detail=True, methods=["post"], url_path="move-to-verifying")
    def move_to_verifying(self, request: Request, pk: str) -> Response:
        """End the rectification period early and start verification (核查)."""
        return self._done(period_services.case_move_to_verifying(actor=request.user, case=self.get_object()))

    @_step()
    @action(detail=True, methods=["post"], url_path="close-rectified")
    def close_rectified(self, request: Request, pk: str) -> Response:
        """Close as rectified (销号): needs an executed visit with the verdict "improved"."""
        return self._done(period_services.case_close_rectified(actor=request.user, case=self.get_object()))

    @_step(s.EscalateBody)
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str) -> Response:
        """Escalate (从严处理) with a handling measure: needs a visit with the verdict "unchanged" or "worse"."""
        case = self.get_object()
        data = self.payload(s.EscalateBody, allowed=permissions.can_escalate_case(request.user, case))
        return self._done(
            period_services.case_escalate(actor=request.user, case=case, measure=data["measure"], note=data["note"])
        )

    @_step(s.RestartBody)
    @action(detail=True, methods=["post"])
    def restart(self, request: Request, pk: str) -> Response:
        """After an escalation, a new rectification period."""
        case = self.get_object()
        data = self.payload(s.RestartBody)
        return self._done(
            period_services.case_restart_rectifying(
                actor=request.user, case=case, period_months=data.get("period_months")
            )
        )

    @_step()
    @action(detail=True, methods=["post"], url_path="close-handled")
    def close_handled(self, request: Request, pk: str) -> Response:
        """Close an escalated case after handling (处理办结)."""
        return self._done(period_services.case_close_handled(actor=request.user, case=self.get_object()))

    @_step(s.WithdrawBody)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """Withdraw an open case (retired, transferred, deceased, other with a note)."""
        case = self.get_object()
        data = self.payload(s.WithdrawBody, allowed=permissions.can_withdraw_case(request.user, case))
        return self._done(
            period_services.case_withdraw(actor=request.user, case=case, reason=data["reason"], note=data["note"])
        )

    # --- records ----------------------------------------------------------------------------------------

    def _added(self, obj: Any, serializer: type[serializers.Serializer[Any]]) -> Response:
        return Response(serializer(obj, context=self.get_serializer_context()).data, status=201)

    @_records(s.TalkSerializer, s.TalkBody)
    @action(detail=True, methods=["get", "post"])
    def talks(self, request: Request, pk: str) -> Response:
        """The case's talk records; POST records a talk held by the leader in charge (with commitments)."""
        case = self.get_object()
        if request.method != "POST":  # GET, and HEAD like GET
            return self.page_of(selectors.case_talks(case), s.TalkSerializer)
        data = self.payload(s.TalkBody, allowed=permissions.can_record_talk_case(request.user, case))
        recorder = Cadre.objects.visible_to(request.user).filter(pk=data["recorder"]).select_related("unit").first()
        if recorder is None:
            raise serializers.ValidationError({"recorder": [talk_services.RECORDER_ELSEWHERE]})
        talk = talk_services.talk_create(
            actor=request.user,
            case=case,
            kind=data["kind"],
            held_at=data["held_at"],
            place=data["place"],
            recorder=recorder,
            purpose=data["purpose"],
            content=data["content"],
            statement=data["statement"],
            commitments=[CommitmentInput(text=c["text"], deadline=c["deadline"]) for c in data["commitments"]],
        )
        return self._added(selectors.case_talks(case).get(pk=talk.pk), s.TalkSerializer)

    @_records(s.PlanSerializer, s.PlanBody)
    @action(detail=True, methods=["get", "post"])
    def plans(self, request: Request, pk: str) -> Response:
        """The rectification plans (整改方案), newest first; POST draws up a new one."""
        case = self.get_object()
        if request.method != "POST":  # GET, and HEAD like GET
            return self.page_of(selectors.case_plans(case), s.PlanSerializer)
        data = self.payload(s.PlanBody)
        plan = talk_services.plan_create(
            actor=request.user, case=case, measures=data["measures"], period_months=data["period_months"]
        )
        return self._added(plan, s.PlanSerializer)

    @_records(s.CommitmentSerializer, s.CommitmentBody)
    @action(detail=True, methods=["get", "post"])
    def commitments(self, request: Request, pk: str) -> Response:
        """The follow-up commitments (承诺事项); POST adds one."""
        case = self.get_object()
        if request.method != "POST":  # GET, and HEAD like GET
            return self.page_of(selectors.case_commitments(case), s.CommitmentSerializer)
        data = self.payload(s.CommitmentBody)
        commitment = talk_services.commitment_add(
            actor=request.user, case=case, text=data["text"], deadline=data["deadline"]
        )
        return self._added(commitment, s.CommitmentSerializer)

    @_records(s.CareMeasureSerializer, s.CareBody)
    @action(detail=True, methods=["get", "post"], url_path="care-measures")
    def care_measures(self, request: Request, pk: str) -> Response:
        """Care and incentive measures (关心关爱、激励措施); POST records one."""
        case = self.get_object()
        if request.method != "POST":  # GET, and HEAD like GET
            return self.page_of(selectors.case_care_measures(case), s.CareMeasureSerializer)
        data = self.payload(s.CareBody, allowed=permissions.can_add_care_case(request.user, case))
        measure = talk_services.care_measure_add(
            actor=request.user, case=case, kind=data["kind"], description=data["description"], on=data["on"]
        )
        return self._added(measure, s.CareMeasureSerializer)

    @_records(s.VisitPlanSerializer, s.VisitPlanBody)
    @action(detail=True, methods=["get", "post"])
    def visits(self, request: Request, pk: str) -> Response:
        """The case's unannounced visit plans (暗访), for the organization department only (404 for anyone
        else, the leader in charge included); POST plans one."""
        case = self.get_object()
        user = request.user
        hide_unless(permissions.can_plan_visit_case(user, case))
        if request.method != "POST":  # GET, and HEAD like GET
            audit_log_read(actor=user, obj=case, what="visit plans")
            return self.page_of(
                visits.case_visits(user=user, case=case).prefetch_related(_OBSERVATIONS), s.VisitPlanSerializer
            )
        data = self.payload(s.VisitPlanBody)
        team = list(User.objects.filter(pk__in=data["team"]))
        if len(team) != len(set(data["team"])):
            raise serializers.ValidationError({"team": [_("There is no user with one of these ids.")]})
        plan = visit_services.visit_plan_create(
            actor=user,
            case=case,
            team=team,
            window_start=data["window_start"],
            window_end=data["window_end"],
            method=data["method"],
        )
        audit_log_read(actor=user, obj=plan, what="visit plan")
        return self._added(plan, s.VisitPlanSerializer)


_OBSERVATIONS = Prefetch(
    "observations",
    queryset=VisitObservation.objects.select_related("recorded_by")
    .prefetch_related("attachments")
    .order_by("observed_at", "pk"),
)


@extend_schema_view(retrieve=extend_schema(responses={200: s.TalkSerializer, **READ_ERRORS}))
class TalkViewSet(VisibleViewSet):
    """Talk records (谈话记录) of the cases the user may read."""

    queryset = Talk.objects.none()
    serializer_class = s.TalkSerializer

    def visible(self) -> QuerySet[Any]:
        cases = RectificationCase.objects.visible_to(self.request.user).values("pk")
        return (
            Talk.objects.filter(case__in=cases)
            .select_related("talker", "case__cadre", "case__unit")
            .prefetch_related("commitments")
            .order_by("held_at", "pk")
        )

    @extend_schema(request=EmptySerializer, responses={200: s.TalkSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str) -> Response:
        """The talker signs the record: it is frozen from then on."""
        talk = talk_services.talk_sign(actor=request.user, talk=self.get_object())
        return self.respond(self.visible().get(pk=talk.pk))


@extend_schema_view(retrieve=extend_schema(responses={200: s.CommitmentSerializer, **READ_ERRORS}))
class CommitmentViewSet(VisibleViewSet):
    """Follow-up commitments of the cases the user may read."""

    queryset = Commitment.objects.none()
    serializer_class = s.CommitmentSerializer

    def visible(self) -> QuerySet[Any]:
        cases = RectificationCase.objects.visible_to(self.request.user).values("pk")
        return Commitment.objects.filter(case__in=cases).order_by("deadline", "pk")

    @extend_schema(request=EmptySerializer, responses={200: s.CommitmentSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str) -> Response:
        """Check the commitment off as done (the leader in charge or the organization department)."""
        return self.respond(talk_services.commitment_mark_done(actor=request.user, commitment=self.get_object()))


@extend_schema_view(retrieve=extend_schema(responses={200: s.VisitPlanSerializer, **READ_ERRORS}))
class VisitViewSet(VisibleViewSet):
    """Unannounced visit plans (暗访方案) the user may see: their team and the organization department.

    Never the cadre concerned nor the leader in charge (404). Every plan shown is logged as a read.
    """

    queryset = VisitPlan.objects.none()
    serializer_class = s.VisitPlanSerializer

    def visible(self) -> QuerySet[Any]:
        return (
            VisitPlan.objects.visible_to(self.request.user)
            .select_related("created_by")
            .prefetch_related("team", _OBSERVATIONS)
            .order_by("-created_at", "-pk")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None
        audit_record_many(
            actor=request.user,
            action="read",
            entries=[AuditEntry(f"viewed visit plan #{plan.pk} (API list)", plan, {}) for plan in page],
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        audit_log_read(actor=request.user, obj=plan, what="visit plan")
        return self.respond(plan)

    def _shown(self, plan: VisitPlan) -> Response:
        audit_log_read(actor=self.request.user, obj=plan, what="visit plan")
        return self.respond(self.visible().get(pk=plan.pk))

    @extend_schema(request=EmptySerializer, responses={200: s.VisitPlanSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def seal(self, request: Request, pk: str) -> Response:
        """Seal the plan and draw its date among the working days of the window."""
        return self._shown(visit_services.visit_plan_seal(actor=request.user, plan=self.get_object()))

    @extend_schema(request=s.ObservationBody, responses={200: s.VisitPlanSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def observations(self, request: Request, pk: str) -> Response:
        """Record a time-stamped observation (attachments: on the page)."""
        plan = self.get_object()
        data = self.payload(s.ObservationBody)
        visit_services.visit_observation_add(
            actor=request.user, plan=plan, text=data["text"], observed_at=data["observed_at"]
        )
        return self._shown(plan)

    @extend_schema(request=s.VerdictBody, responses={200: s.VisitPlanSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def execute(self, request: Request, pk: str) -> Response:
        """Finish the visit with its verdict (有改进 / 无变化 / 变差)."""
        plan = self.get_object()
        data = self.payload(s.VerdictBody, allowed=permissions.can_execute_visit(request.user, plan))
        return self._shown(
            visit_services.visit_execute(actor=request.user, plan=plan, verdict=data["verdict"], note=data["note"])
        )


ROUTES: list[Route] = [
    ("cases", CaseViewSet, "case"),
    ("talks", TalkViewSet, "talk"),
    ("commitments", CommitmentViewSet, "commitment"),
    ("visits", VisitViewSet, "visit"),
]

"""Evaluation rounds and their frozen results over the REST API.

Rounds come from `selectors.round_list` / `round_get` (visible_to: org_admin and auditor over the scope).
Results are exactly what the pages and the XLSX show: `results.present` turns each frozen row into figures,
and a peer group below k is a figure with no value, its text "评价人数不足" / "insufficient ratings" and
`withheld: true` — never a number. Free-text comments are not in the API (an audited page of their own).
Opening a round stays on its page: the ballot secrets it creates are printed once, in that response.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from evaluations import identification, results, selectors, services
from evaluations.models import EvaluationRound, IdentificationRun, RoundResultSummary
from evaluations.permissions import allowed_round_actions
from project.api.urls import Route
from project.api.views import ACTION_ERRORS, READ_ERRORS, EmptySerializer, ErrorSerializer, VisibleViewSet
from project.org.api import CadreRefSerializer, UnitRefSerializer


class RoundSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    scope = UnitRefSerializer(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    actions = serializers.SerializerMethodField(help_text="The transitions the user may ask for now.")

    class Meta:
        model = EvaluationRound
        fields = [
            "id", "title", "scope", "period_start", "period_end", "state", "state_label", "actions",
            "weight_self", "weight_peer", "weight_leader", "k_anonymity", "composite_threshold",
            "unfavourable_share_numerator", "unfavourable_share_denominator", "gap_threshold",
            "peer_group_mode", "small_unit_size", "min_peer_sheets", "opened_at", "closed_at", "published_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_actions(self, round: EvaluationRound) -> list[str]:
        return allowed_round_actions(self.context["request"].user, round)


class IdentificationRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = IdentificationRun
        fields = ["status", "total", "done", "percent", "requested_at", "started_at", "finished_at"]
        read_only_fields = fields


class SummarySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = RoundResultSummary
        fields = [
            "subjects", "candidates", "without_composite", "peer_withheld", "straight_lined_ballots",
            "flag_counts", "distribution", "candidates_by_unit", "turnout_by_unit", "rules", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class FigureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A figure as every output shows it: `value` null and `withheld` true for a peer group below k."""

    value = serializers.FloatField(allow_null=True, read_only=True)
    text = serializers.CharField(read_only=True)
    withheld = serializers.BooleanField(read_only=True)


class RelationLineSerializer(serializers.Serializer):  # type: ignore[type-arg]
    relation = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field named "label"
    sheets = FigureSerializer(read_only=True)
    mean = FigureSerializer(read_only=True)
    adjusted = FigureSerializer(read_only=True, help_text="The peer line only.")
    unfavourable = FigureSerializer(read_only=True)
    per_manifestation = FigureSerializer(many=True, read_only=True)
    weight = serializers.CharField(read_only=True)
    withheld = serializers.BooleanField(read_only=True)


class SentenceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    decisive = serializers.BooleanField(read_only=True)


class ManifestationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True, help_text="In the reader's language.")  # type: ignore[assignment]


class ResultCardSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One cadre's frozen result card (evaluations.results.ResultCard), in the reader's language."""

    cadre = CadreRefSerializer(source="result.cadre", read_only=True)
    unit = UnitRefSerializer(source="result.unit", read_only=True)
    is_candidate = serializers.BooleanField(source="result.is_candidate", read_only=True)
    manifestations = ManifestationSerializer(many=True, read_only=True, help_text="The columns of per_manifestation.")
    composite = FigureSerializer(read_only=True)
    others_mean = FigureSerializer(read_only=True)
    gap = FigureSerializer(read_only=True)
    unfavourable_share = FigureSerializer(read_only=True)
    lines = RelationLineSerializer(many=True, read_only=True, help_text="Self, peer and leader, in that order.")
    flags = SentenceSerializer(many=True, read_only=True)
    notes = SentenceSerializer(many=True, read_only=True)


CADRE_PK = OpenApiParameter("cadre_pk", int, OpenApiParameter.PATH, description="The cadre's id.")
RESULTS_ERRORS = {404: ErrorSerializer, 409: ErrorSerializer}


@extend_schema_view(retrieve=extend_schema(responses={200: RoundSerializer, **READ_ERRORS}))
class RoundViewSet(VisibleViewSet):
    """Evaluation rounds (测评) of the subtrees where the user is org_admin or auditor."""

    queryset = EvaluationRound.objects.none()
    serializer_class = RoundSerializer

    def visible(self) -> QuerySet[Any]:
        return selectors.round_list(user=self.request.user)

    @extend_schema(request=EmptySerializer, responses={200: RoundSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Close an open round: its ballots can no longer be used."""
        return self.respond(services.round_close(actor=request.user, round=self.get_object()))  # type: ignore[arg-type]

    @extend_schema(request=EmptySerializer, responses={200: RoundSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Publish a closed round whose candidates are identified."""
        return self.respond(services.round_publish(actor=request.user, round=self.get_object()))  # type: ignore[arg-type]

    @extend_schema(request=EmptySerializer, responses={200: IdentificationRunSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def identify(self, request: Request, pk: str) -> Response:
        """Identify the candidates of a closed round and freeze its results (inline for small rounds,
        otherwise in the background: poll `GET …/results/` until it answers 200)."""
        run = identification.round_identify(actor=request.user, round=self.get_object())  # type: ignore[arg-type]
        return self.respond(run, IdentificationRunSerializer)

    @extend_schema(responses={200: SummarySerializer, **RESULTS_ERRORS})
    @action(detail=True, methods=["get"], url_path="results")
    def results_summary(self, request: Request, pk: str) -> Response:
        """The frozen overview (409 until the candidates are identified)."""
        summary = results.results_require(round=self.get_object())
        return self.respond(summary, SummarySerializer)

    @extend_schema(
        parameters=[OpenApiParameter("all", bool, description="Every cadre, not only the candidates.")],
        responses={200: ResultCardSerializer(many=True), **RESULTS_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="results/cadres")
    def result_list(self, request: Request, pk: str) -> Response:
        """The result cards, candidates only unless `?all=true`, by unit and composite index."""
        round = self.get_object()
        results.results_require(round=round)
        everyone = request.query_params.get("all", "").lower() in ("1", "true")
        page = self.paginate_queryset(results.result_list(round=round, candidates_only=not everyone))
        assert page is not None  # the viewset always paginates
        manifestations = results.manifestations_of(round)
        weights = results.round_weights(round)
        cards = [results.present(result, manifestations, weights) for result in page]
        return self.get_paginated_response(ResultCardSerializer(cards, many=True).data)

    @extend_schema(parameters=[CADRE_PK], responses={200: ResultCardSerializer, **RESULTS_ERRORS})
    @action(detail=True, methods=["get"], url_path=r"results/cadres/(?P<cadre_pk>[0-9]+)")
    def result_card(self, request: Request, pk: str, cadre_pk: str) -> Response:
        """One cadre's frozen result card."""
        round = self.get_object()
        results.results_require(round=round)
        result = results.result_get(round=round, cadre_pk=int(cadre_pk))
        card = results.present(result, results.manifestations_of(round), results.round_weights(round))
        return Response(ResultCardSerializer(card).data)


ROUTES: list[Route] = [("rounds", RoundViewSet, "round")]

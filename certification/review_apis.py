"""REST API of an application's evaluation: the team, findings, the evaluation record and peer
review. Each view reads the application through certification's access rules and takes the step
through certification's services."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from accounts.models import Organisation, User
from audits.models import (
    DocumentReviewItem,
    Evaluation,
    Finding,
    PeerReview,
    Severity,
    TeamMember,
)
from audits.reviews import EVALUATION_FIELDS
from config.api import Pagination, paginated
from config.schema import workflow_step

from . import reviews, selectors, services


class TeamMemberOutput(serializers.ModelSerializer):
    user: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()
    user_id = serializers.IntegerField()

    class Meta:
        model = TeamMember
        fields = ["user_id", "user", "is_lead", "declaration", "declaration_note", "declared_at"]


class DeclarationInput(serializers.Serializer):
    has_conflict = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TeamApi(APIView):
    class TeamInput(serializers.Serializer):
        # Ids are bounded (BigAutoField) so that a huge number is a 400, not a database overflow.
        members = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), allow_empty=False
        )
        lead = serializers.IntegerField(min_value=1, max_value=2**63 - 1)

    @extend_schema(responses=TeamMemberOutput(many=True))
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        return Response(TeamMemberOutput(application.team.select_related("user"), many=True).data)

    @workflow_step
    @extend_schema(request=TeamInput, responses=TeamMemberOutput(many=True))
    def put(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        data = self.TeamInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = set(data.validated_data["members"]) | {data.validated_data["lead"]}
        people = {user.pk: user for user in User.objects.filter(pk__in=ids)}
        if len(people) != len(ids):
            raise serializers.ValidationError({"members": ["Unknown person."]})
        team = services.team_assign(
            actor=request.user,
            application=application,
            members=[people[pk] for pk in data.validated_data["members"]],
            lead=people[data.validated_data["lead"]],
        )
        return Response(TeamMemberOutput(team, many=True).data)


class TeamDeclarationApi(APIView):
    @extend_schema(request=DeclarationInput, responses=TeamMemberOutput)
    def post(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        data = DeclarationInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.team_declare(
            actor=request.user, application=application, **data.validated_data
        )
        return Response(TeamMemberOutput(member).data)


class FindingOutput(serializers.ModelSerializer):
    dossier_version = serializers.IntegerField(source="dossier_version.number")

    class Meta:
        model = Finding
        fields = [
            "id",
            "number",
            "severity",
            "clause",
            "description",
            "status",
            "dossier_version",
            "raised_at",
            "response",
            "corrective_action",
            "responded_at",
            "closed_at",
        ]


class FindingListApi(APIView):
    pagination_class = Pagination

    class FindingListInput(serializers.Serializer):
        severity = serializers.ChoiceField(choices=Severity.choices)
        clause = serializers.CharField(max_length=100, required=False, allow_blank=True)
        description = serializers.CharField()

    @extend_schema(responses=FindingOutput(many=True))
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        # Findings quote the dossier and the enterprise's corrective actions: confidential.
        if not selectors.application_can_read_dossier(request.user, application):
            raise Http404
        findings = application.findings.select_related("dossier_version")
        return paginated(request, self, findings, FindingOutput)

    @workflow_step
    @extend_schema(request=FindingListInput, responses={201: FindingOutput})
    def post(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        data = self.FindingListInput(data=request.data)
        data.is_valid(raise_exception=True)
        finding = reviews.finding_raise(
            actor=request.user, application=application, **data.validated_data
        )
        return Response(FindingOutput(finding).data, status=status.HTTP_201_CREATED)


def _finding(request: AuthenticatedRequest, application_id: int, finding_id: int) -> Finding:
    application = selectors.application_get_for_actor(request.user, application_id)
    return get_object_or_404(application.findings.select_related("application"), pk=finding_id)


class FindingAnswerApi(APIView):
    class FindingAnswerInput(serializers.Serializer):
        response = serializers.CharField()
        corrective_action = serializers.CharField(required=False, allow_blank=True, default="")

    @workflow_step
    @extend_schema(request=FindingAnswerInput, responses=FindingOutput)
    def post(self, request: AuthenticatedRequest, application_id: int, finding_id: int) -> Response:
        finding = _finding(request, application_id, finding_id)
        data = self.FindingAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        finding = reviews.finding_answer(actor=request.user, finding=finding, **data.validated_data)
        return Response(FindingOutput(finding).data)


class FindingCloseApi(APIView):
    reopen = False

    @workflow_step
    @extend_schema(request=None, responses=FindingOutput)
    def post(self, request: AuthenticatedRequest, application_id: int, finding_id: int) -> Response:
        finding = _finding(request, application_id, finding_id)
        finding = reviews.finding_close(actor=request.user, finding=finding, reopen=self.reopen)
        return Response(FindingOutput(finding).data)


class FindingReopenApi(FindingCloseApi):
    reopen = True


class EvaluationOutput(serializers.ModelSerializer):
    missing = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = [*EVALUATION_FIELDS, "updated_at", "missing"]

    def get_missing(self, evaluation: Evaluation) -> list[str]:
        return evaluation.missing_items()


class EvaluationApi(APIView):
    class EvaluationInput(serializers.ModelSerializer):
        class Meta:
            model = Evaluation
            fields = list(EVALUATION_FIELDS)
            extra_kwargs = {name: {"required": False} for name in EVALUATION_FIELDS}

        def validate_checklist(self, value: dict) -> dict:
            if not isinstance(value, dict) or set(value) - set(DocumentReviewItem.values):
                raise serializers.ValidationError(
                    f"An object with keys from {DocumentReviewItem.values}."
                )
            return {key: bool(flag) for key, flag in value.items()}

    @extend_schema(responses=EvaluationOutput)
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        if not selectors.application_can_read_dossier(request.user, application):
            raise Http404
        evaluation = Evaluation.objects.filter(application=application).first()
        if evaluation is None:
            raise Http404
        return Response(EvaluationOutput(evaluation).data)

    @workflow_step
    @extend_schema(request=EvaluationInput, responses=EvaluationOutput)
    def patch(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        data = self.EvaluationInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        evaluation = reviews.evaluation_update(
            actor=request.user, application=application, data=dict(data.validated_data)
        )
        return Response(EvaluationOutput(evaluation).data)


class PeerReviewOutput(serializers.ModelSerializer):
    reviewer: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()
    body: "serializers.SlugRelatedField[Organisation]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = PeerReview
        fields = [
            "id",
            "reviewer",
            "body",
            "assigned_at",
            "declaration",
            "declared_at",
            "outcome",
            "comments",
            "is_current",
        ]


class PeerReviewApi(APIView):
    class PeerReviewInput(serializers.Serializer):
        reviewer = serializers.IntegerField()

    @extend_schema(responses=PeerReviewOutput(many=True))
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        reviews_ = application.peer_reviews.select_related("reviewer", "body")
        return Response(PeerReviewOutput(reviews_, many=True).data)

    @workflow_step
    @extend_schema(request=PeerReviewInput, responses={201: PeerReviewOutput})
    def post(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        data = self.PeerReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        reviewer = User.objects.filter(pk=data.validated_data["reviewer"]).first()
        if reviewer is None:
            raise serializers.ValidationError({"reviewer": ["Unknown person."]})
        peer_review = services.peer_review_assign(
            actor=request.user, application=application, reviewer=reviewer
        )
        return Response(PeerReviewOutput(peer_review).data, status=status.HTTP_201_CREATED)


class PeerReviewDeclarationApi(APIView):
    @extend_schema(request=DeclarationInput, responses=PeerReviewOutput)
    def post(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        data = DeclarationInput(data=request.data)
        data.is_valid(raise_exception=True)
        peer_review = services.peer_review_declare(
            actor=request.user, application=application, **data.validated_data
        )
        return Response(PeerReviewOutput(peer_review).data)

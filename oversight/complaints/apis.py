"""REST API of complaints (CONTRACTS §10): anyone may file one; the body concerned and the
regulator read them."""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from certification.apis import _paginated
from config.api import Pagination
from config.permissions import IsPerson
from config.schema import refuses_api_keys
from config.throttles import (
    AnonymousThrottle,
    ApiKeyThrottle,
    ComplaintThrottle,
    PersonThrottle,
)
from oversight.complaints import selectors, services
from oversight.complaints.models import Complaint, ComplaintCategory


class ComplaintOutput(serializers.ModelSerializer):
    label = serializers.CharField(source="label.serial")  # type: ignore[assignment]  # stubs: DRF takes declared fields off the class, not Field.label
    certificateNumber = serializers.CharField(source="certificate.number")
    body = serializers.CharField(source="body.code")
    handler = serializers.CharField(source="handler.username", allow_null=True, default=None)
    decisionReason = serializers.CharField(source="decision_reason")
    findingAgainstBody = serializers.CharField(source="finding_against_body")
    acknowledgeDue = serializers.DateField(source="acknowledge_due")
    decisionDue = serializers.DateField(source="decision_due")
    createdAt = serializers.DateTimeField(source="created_at")
    decidedAt = serializers.DateTimeField(source="decided_at")
    hasAttachment = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "reference",
            "label",
            "certificateNumber",
            "body",
            "category",
            "description",
            "contact",
            "status",
            "handler",
            "outcome",
            "actions",
            "decisionReason",
            "findingAgainstBody",
            "acknowledgeDue",
            "decisionDue",
            "createdAt",
            "decidedAt",
            "hasAttachment",
        ]

    def get_hasAttachment(self, complaint: Complaint) -> bool:
        return bool(complaint.attachment)


class ComplaintInput(serializers.Serializer):
    label = serializers.CharField(max_length=32)  # type: ignore[assignment]  # stubs: DRF takes declared fields off the class, not Field.label
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    description = serializers.CharField(max_length=10_000)
    contact = serializers.CharField(
        max_length=200, required=False, allow_blank=True, allow_null=True, default=""
    )
    attachment = serializers.FileField(required=False, allow_null=True, default=None)


ComplaintCreated = inline_serializer(
    "ComplaintCreated",
    fields={
        "reference": serializers.CharField(),
        "followUrl": serializers.URLField(),
    },
)


class ComplaintListApi(APIView):
    """GET: the complaints about labels the caller's body issued (all of them for the
    regulator; an empty list for anyone else). POST: file a complaint, signed in or not."""

    pagination_class = Pagination

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsPerson()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [ComplaintThrottle(), AnonymousThrottle(), PersonThrottle()]
        return [AnonymousThrottle(), PersonThrottle(), ApiKeyThrottle()]

    @extend_schema(responses=ComplaintOutput(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        complaints = selectors.complaint_list_for_actor(request.user)
        return _paginated(request, self, complaints, ComplaintOutput)

    @refuses_api_keys
    @extend_schema(
        request={"application/json": ComplaintInput, "multipart/form-data": ComplaintInput},
        responses={201: ComplaintCreated},
        examples=[
            OpenApiExample(
                "A complaint",
                request_only=True,
                value={
                    "label": "JDYA1H9WXJ7F",
                    "category": "false_value",
                    "description": "The pack shows 75 kg but the maker's own report says 110 kg.",
                    "contact": "shopper@example.cn",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        if getattr(request.user, "api_key", None) is not None:
            raise PermissionDenied(_("A complaint is filed by a person, not with an API key."))
        data = ComplaintInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        submitted = services.complaint_submit(
            actor=request.user,
            label_serial=values["label"],
            category=values["category"],
            description=values["description"],
            contact=values["contact"] or "",
            attachment=values["attachment"],
            language=translation.get_language() or "zh-hans",
        )
        follow = request.build_absolute_uri(reverse("complaints:follow", args=[submitted.token]))
        return Response(
            {"reference": submitted.complaint.reference, "followUrl": follow},
            status=status.HTTP_201_CREATED,
        )


class ComplaintDetailApi(APIView):
    @extend_schema(responses=ComplaintOutput)
    def get(self, request: AuthenticatedRequest, reference: str) -> Response:
        complaint = selectors.complaint_get_for_actor(request.user, reference)
        return Response(ComplaintOutput(complaint).data)

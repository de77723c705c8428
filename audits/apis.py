"""REST API of the blacklist."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from accounts.models import Organisation, User
from accounts.second_factor import api_step_up_check
from accounts.selectors import user_is_platform_admin, user_is_regulator
from config.api import Pagination, paginated

from .models import BlacklistEntry
from .services import blacklist_entry_create


class BlacklistOutput(serializers.ModelSerializer):
    organisation: "serializers.StringRelatedField[Organisation]" = serializers.StringRelatedField()
    person: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()

    class Meta:
        model = BlacklistEntry
        fields = [
            "id",
            "organisation",
            "person",
            "reason",
            "source_document",
            "effective_from",
            "effective_to",
            "created_at",
        ]


class BlacklistApi(APIView):
    """The register is readable by every signed-in user; regulators and platform
    administrators add entries."""

    pagination_class = Pagination

    class BlacklistInput(serializers.Serializer):
        organisation = serializers.PrimaryKeyRelatedField(
            queryset=Organisation.objects.all(), required=False, allow_null=True
        )
        person = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.all(), required=False, allow_null=True
        )
        reason = serializers.CharField()
        source_document = serializers.CharField(max_length=300)
        effective_from = serializers.DateField()
        effective_to = serializers.DateField(required=False, allow_null=True)

        def validate(self, attrs: dict) -> dict:
            if bool(attrs.get("organisation")) == bool(attrs.get("person")):
                raise serializers.ValidationError("Name exactly one organisation or person.")
            end = attrs.get("effective_to")
            if end and end < attrs["effective_from"]:
                raise serializers.ValidationError({"effective_to": ["Ends before it starts."]})
            return attrs

    @extend_schema(responses=BlacklistOutput(many=True))
    def get(self, request: Request) -> Response:
        entries = BlacklistEntry.objects.select_related("organisation", "person")
        return paginated(request, self, entries, BlacklistOutput)

    @extend_schema(request=BlacklistInput, responses={201: BlacklistOutput})
    def post(self, request: AuthenticatedRequest) -> Response:
        if not (user_is_regulator(request.user) or user_is_platform_admin(request.user)):
            raise PermissionDenied(_("Only regulators add blacklist entries."))
        data = self.BlacklistInput(data=request.data)
        data.is_valid(raise_exception=True)
        api_step_up_check(request)
        entry = blacklist_entry_create(actor=request.user, **data.validated_data)
        return Response(BlacklistOutput(entry).data, status=status.HTTP_201_CREATED)

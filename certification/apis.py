"""REST API for products, applications, dossiers, evidence and transitions.

One view per operation; nested input and output serializers; every object goes through a
selector that takes the user, so a foreign object is a 404 like a missing one.
"""

from decimal import Decimal

from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from accounts.models import Organisation, User
from accounts.roles import OrganisationKind
from accounts.second_factor import api_step_up_check
from accounts.selectors import user_enterprise_ids
from config.api import Pagination, SlugRelatedField
from config.api import paginated as _paginated
from config.schema import workflow_step
from config.uploads import ALLOWED

from . import families, selectors, services
from .abilities import ApplicationAbilities, application_abilities
from .dossiers import DOSSIER_FIELDS
from .models import (
    Application,
    ApplicationEvent,
    ApplicationVariant,
    DossierVersion,
    EvidenceFile,
    EvidenceKind,
    Notification,
    Product,
    ProductCategory,
    Status,
)
from .workflow import ALL_ACTIONS

# --- reference lists ----------------------------------------------------------------------


class CategoryOutput(serializers.ModelSerializer):
    class Meta:
        model = ProductCategory
        fields = ["id", "code", "name_zh", "name_en", "level", "allows_families"]


class CategoryListApi(APIView):
    pagination_class = Pagination

    @extend_schema(responses=CategoryOutput(many=True))
    def get(self, request: Request) -> Response:
        return _paginated(request, self, ProductCategory.objects.all(), CategoryOutput)


class BodyOutput(serializers.ModelSerializer):
    accredited_categories: "serializers.SlugRelatedField[ProductCategory]" = (
        serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "code",
            "name",
            "cnca_approval_number",
            "scheme",
            "status",
            "accredited_categories",
        ]


class CertificationBodyListApi(APIView):
    pagination_class = Pagination

    @extend_schema(responses=BodyOutput(many=True))
    def get(self, request: Request) -> Response:
        bodies = Organisation.objects.filter(
            kind=OrganisationKind.CERTIFICATION_BODY
        ).prefetch_related("accredited_categories")
        return _paginated(request, self, bodies, BodyOutput)


# --- products -----------------------------------------------------------------------------


class ProductOutput(serializers.ModelSerializer):
    category: "serializers.SlugRelatedField[ProductCategory]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "enterprise",
            "name",
            "model",
            "trademark",
            "manufacturer",
            "plant_address",
            "gtin",
            "category",
            "created_at",
        ]


class ProductListApi(APIView):
    pagination_class = Pagination

    class ProductListInput(serializers.Serializer):
        enterprise = serializers.IntegerField(required=False)
        name = serializers.CharField(max_length=200)
        model = serializers.CharField(max_length=200)
        trademark = serializers.CharField(max_length=100, required=False, allow_blank=True)
        manufacturer = serializers.CharField(max_length=200)
        plant_address = serializers.CharField(max_length=300)
        gtin = serializers.CharField(max_length=20, required=False, allow_blank=True)
        category = SlugRelatedField(slug_field="code", queryset=ProductCategory.objects.all())

    @extend_schema(responses=ProductOutput(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        return _paginated(
            request, self, selectors.product_list_for_actor(request.user), ProductOutput
        )

    @extend_schema(request=ProductListInput, responses={201: ProductOutput})
    def post(self, request: AuthenticatedRequest) -> Response:
        data = self.ProductListInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        enterprise_ids = user_enterprise_ids(request.user)
        if not enterprise_ids:
            raise PermissionDenied(_("Only enterprises register products."))
        enterprise_id = values.pop("enterprise", None) or min(enterprise_ids)
        if enterprise_id not in enterprise_ids:
            raise serializers.ValidationError({"enterprise": ["Not one of your enterprises."]})
        product = services.product_create(
            actor=request.user,
            enterprise=Organisation.objects.get(pk=enterprise_id),
            **values,
        )
        return Response(ProductOutput(product).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    @extend_schema(responses=ProductOutput)
    def get(self, request: AuthenticatedRequest, product_id: int) -> Response:
        product = selectors.product_get_for_actor(request.user, product_id)
        return Response(ProductOutput(product).data)


# --- applications -------------------------------------------------------------------------


class ApplicationOutput(serializers.ModelSerializer):
    enterprise: "serializers.StringRelatedField[Organisation]" = serializers.StringRelatedField()
    certification_body: "serializers.SlugRelatedField[Organisation]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    product = ProductOutput()
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "enterprise",
            "product",
            "plant_address",
            "scheme",
            "product_rule_name",
            "product_rule_version",
            "certification_body",
            "status",
            "status_display",
            "created_at",
            "updated_at",
        ]


class AbilitiesOutput(serializers.Serializer):
    """What the caller may do with the application now (the portal offers the same)."""

    actions = serializers.ListField(child=serializers.CharField())
    read_dossier = serializers.BooleanField()
    edit_dossier = serializers.BooleanField()
    assign_team = serializers.BooleanField()
    assign_peer_reviewer = serializers.BooleanField()
    declare_as_peer_reviewer = serializers.BooleanField()
    raise_findings = serializers.BooleanField()
    answer_findings = serializers.BooleanField()
    close_findings = serializers.BooleanField()
    edit_evaluation = serializers.BooleanField()
    edit_variants = serializers.BooleanField()


class ApplicationDetailOutput(ApplicationOutput):
    available_actions = serializers.SerializerMethodField()
    abilities = serializers.SerializerMethodField()

    class Meta(ApplicationOutput.Meta):
        fields = [*ApplicationOutput.Meta.fields, "available_actions", "abilities"]

    def _abilities(self, application: Application) -> ApplicationAbilities:
        """Read once per answer: both fields come from it."""
        found = getattr(self, "_read_abilities", None)
        if found is None or found[0] != application.pk:
            found = (
                application.pk,
                application_abilities(self.context["request"].user, application),
            )
            self._read_abilities = found
        return found[1]

    def get_available_actions(self, application: Application) -> list[str]:
        return list(self._abilities(application).actions)

    @extend_schema_field(AbilitiesOutput)
    def get_abilities(self, application: Application) -> dict[str, object]:
        return self._abilities(application).as_api()


class ApplicationListApi(APIView):
    pagination_class = Pagination

    class ApplicationListInput(serializers.Serializer):
        product = serializers.IntegerField()
        certification_body = SlugRelatedField(
            slug_field="code",
            queryset=Organisation.objects.filter(kind=OrganisationKind.CERTIFICATION_BODY),
        )
        scheme = serializers.ChoiceField(choices=["national_pilot", "self_filed"])
        product_rule_name = serializers.CharField(max_length=200)
        product_rule_version = serializers.CharField(max_length=32)
        plant_address = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(responses=ApplicationOutput(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        queryset = selectors.application_list_for_actor(request.user)
        wanted = request.query_params.get("status")
        if wanted:
            queryset = queryset.filter(status=wanted)
        return _paginated(request, self, queryset, ApplicationOutput)

    @workflow_step
    @extend_schema(
        request=ApplicationListInput,
        responses={
            201: ApplicationDetailOutput,
            404: OpenApiResponse(description="No such product, or not one of yours."),
        },
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = self.ApplicationListInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        product = selectors.product_get_for_actor(request.user, values.pop("product"))
        application = services.application_create(actor=request.user, product=product, **values)
        output = ApplicationDetailOutput(application, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    @extend_schema(responses=ApplicationDetailOutput)
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        return Response(ApplicationDetailOutput(application, context={"request": request}).data)


# Deciding: approving (which issues the certificate and its label) or refusing.
DECISION_ACTIONS = ("approve", "refuse")


class ApplicationTransitionApi(APIView):
    class ApplicationTransitionInput(serializers.Serializer):
        action = serializers.ChoiceField(choices=ALL_ACTIONS)
        comment = serializers.CharField(required=False, allow_blank=True, default="")

    @workflow_step
    @extend_schema(request=ApplicationTransitionInput, responses=ApplicationDetailOutput)
    def post(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        data = self.ApplicationTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["action"] in DECISION_ACTIONS:
            api_step_up_check(request)
        application = services.application_transition(
            actor=request.user, application_id=application.pk, **data.validated_data
        )
        return Response(ApplicationDetailOutput(application, context={"request": request}).data)


class EventOutput(serializers.ModelSerializer):
    actor: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()

    class Meta:
        model = ApplicationEvent
        fields = ["id", "actor", "action", "from_status", "to_status", "comment", "created_at"]


class ApplicationEventListApi(APIView):
    pagination_class = Pagination

    @extend_schema(responses=EventOutput(many=True))
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        events = application.events.select_related("actor")
        return _paginated(request, self, events, EventOutput)


# --- dossier ------------------------------------------------------------------------------


class EvidenceOutput(serializers.ModelSerializer):
    class Meta:
        model = EvidenceFile
        fields = ["id", "kind", "original_name", "size", "sha256", "content_type", "uploaded_at"]


class DossierOutput(serializers.ModelSerializer):
    files = EvidenceOutput(many=True)

    class Meta:
        model = DossierVersion
        fields = ["number", "frozen_at", "created_at", *DOSSIER_FIELDS, "files"]


class DossierInput(serializers.ModelSerializer):
    class Meta:
        model = DossierVersion
        fields = list(DOSSIER_FIELDS)
        extra_kwargs = {name: {"required": False} for name in DOSSIER_FIELDS}

    def validate_stages_included(self, value: list) -> list:
        from footprint.models import Stage

        if not isinstance(value, list) or any(v not in Stage.values for v in value):
            raise serializers.ValidationError(f"Use stages from {Stage.values}.")
        return value

    def validate_stage_results(self, value: dict) -> dict:
        from decimal import Decimal, InvalidOperation

        from footprint.models import Stage

        if not isinstance(value, dict):
            raise serializers.ValidationError("An object of stage → decimal string.")
        for stage, figure in value.items():
            if stage not in Stage.values:
                raise serializers.ValidationError(f"Unknown stage {stage!r}.")
            try:
                Decimal(str(figure))
            except InvalidOperation as error:
                raise serializers.ValidationError(f"{stage}: not a number.") from error
        return {stage: str(figure) for stage, figure in value.items()}

    def validate_stages_excluded(self, value: list) -> list:
        if not isinstance(value, list) or any(
            not isinstance(item, dict) or not item.get("stage") or not item.get("reason")
            for item in value
        ):
            raise serializers.ValidationError("A list of {stage, reason}.")
        return value


def _prefetched_versions(application: Application):
    return application.dossier_versions.prefetch_related("files")


class DossierApi(APIView):
    @extend_schema(responses=DossierOutput)
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        _ensure_dossier_reader(request.user, application)
        version = _prefetched_versions(application).order_by("-number").first()
        return Response(DossierOutput(version).data)

    @workflow_step
    @extend_schema(request=DossierInput, responses=DossierOutput)
    def patch(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        data = DossierInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        version = services.dossier_update(
            actor=request.user, application=application, data=dict(data.validated_data)
        )
        return Response(DossierOutput(version).data)


def _ensure_dossier_reader(user: User, application: Application) -> None:
    from django.http import Http404

    if not selectors.application_can_read_dossier(user, application):
        raise Http404


class DossierVersionListApi(APIView):
    pagination_class = Pagination

    @extend_schema(responses=DossierOutput(many=True))
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        _ensure_dossier_reader(request.user, application)
        return _paginated(request, self, _prefetched_versions(application), DossierOutput)


class DossierDiffApi(APIView):
    @extend_schema(
        responses=inline_serializer(
            "DossierChange",
            fields={
                "field": serializers.CharField(),
                "label": serializers.CharField(),
                "before": serializers.JSONField(),
                "after": serializers.JSONField(),
            },
            many=True,
        )
    )
    def get(self, request: AuthenticatedRequest, application_id: int, number: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        _ensure_dossier_reader(request.user, application)
        newer = get_object_or_404(application.dossier_versions, number=number)
        older = get_object_or_404(application.dossier_versions, number=number - 1)
        return Response(
            serializers.JSONField().to_representation(services.dossier_diff(older, newer))
        )


class EvidenceListApi(APIView):
    pagination_class = Pagination

    class EvidenceListInput(serializers.Serializer):
        kind = serializers.ChoiceField(choices=EvidenceKind.choices)
        file = serializers.FileField()

    @extend_schema(responses=EvidenceOutput(many=True))
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        _ensure_dossier_reader(request.user, application)
        files = selectors.application_evidence(application).order_by("kind", "uploaded_at", "pk")
        return _paginated(request, self, files, EvidenceOutput)

    @workflow_step
    @extend_schema(
        request={"multipart/form-data": EvidenceListInput}, responses={201: EvidenceOutput}
    )
    def post(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        data = self.EvidenceListInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            evidence = services.evidence_upload(
                actor=request.user,
                application=application,
                kind=data.validated_data["kind"],
                upload=data.validated_data["file"],
            )
        except services.ValidationError as error:
            raise serializers.ValidationError({"file": error.messages}) from error
        return Response(EvidenceOutput(evidence).data, status=status.HTTP_201_CREATED)


class EvidenceDetailApi(APIView):
    @extend_schema(
        responses={(200, content_type): OpenApiTypes.BINARY for content_type in ALLOWED},
        description="The file as uploaded, served as the type its content was recognised as.",
    )
    def get(self, request: AuthenticatedRequest, application_id: int, file_id: int) -> FileResponse:
        application = selectors.application_get_for_actor(request.user, application_id)
        evidence = selectors.evidence_get_for_actor(request.user, application, file_id)
        return FileResponse(
            evidence.file.open("rb"),
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )

    @workflow_step
    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, application_id: int, file_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        evidence = selectors.evidence_get_for_actor(request.user, application, file_id)
        services.evidence_remove(actor=request.user, application=application, evidence=evidence)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- product families ---------------------------------------------------------------------


class VariantOutput(serializers.ModelSerializer):
    product = ProductOutput()

    class Meta:
        model = ApplicationVariant
        fields = ["id", "product", "scaling_factor", "justification", "created_at"]


class VariantListApi(APIView):
    """The variants of an application's product family (certification/families.py)."""

    pagination_class = Pagination

    class VariantListInput(serializers.Serializer):
        product = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
        scaling_factor = serializers.DecimalField(
            max_digits=12, decimal_places=6, min_value=Decimal("0.000001")
        )
        justification = serializers.CharField(max_length=2000)

    @extend_schema(responses=VariantOutput(many=True))
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        # Who is in the family, and by what factor, is part of the file a body holds.
        _ensure_dossier_reader(request.user, application)
        variants = application.variants.select_related("product__category")
        return _paginated(request, self, variants, VariantOutput)

    @workflow_step
    @extend_schema(
        request=VariantListInput,
        responses={
            201: VariantOutput,
            400: OpenApiResponse(
                description="The product rule does not allow families (the message names it "
                "and offers the sibling template), or the product cannot be a variant."
            ),
        },
    )
    def post(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        families.ensure_family_editor(request.user, application)
        data = self.VariantListInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        # Only the application's enterprise's products: another's is not even named.
        product = application.enterprise.products.filter(pk=values.pop("product")).first()
        if product is None:
            raise serializers.ValidationError(
                {"product": [_("Choose one of your enterprise's products.")]}
            )
        variant = families.application_variant_add(
            actor=request.user, application=application, product=product, **values
        )
        return Response(VariantOutput(variant).data, status=status.HTTP_201_CREATED)


class VariantDetailApi(APIView):
    @workflow_step
    @extend_schema(responses={204: None})
    def delete(
        self, request: AuthenticatedRequest, application_id: int, variant_id: int
    ) -> Response:
        application = selectors.application_get_for_actor(request.user, application_id)
        families.ensure_family_editor(request.user, application)
        if not application.variants.filter(pk=variant_id).exists():
            raise Http404
        families.application_variant_remove(
            actor=request.user, application=application, variant_id=variant_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- notifications ------------------------------------------------------------------------


class NotificationOutput(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "application", "subject", "body", "url", "created_at", "read_at"]


def _notifications(user: User):
    # An API key stands for a marketplace, not a person: it has no notifications.
    return user.notifications.all() if user.pk is not None else Notification.objects.none()


class NotificationListApi(APIView):
    pagination_class = Pagination

    @extend_schema(responses=NotificationOutput(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        return _paginated(request, self, _notifications(request.user), NotificationOutput)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=NotificationOutput)
    def post(self, request: AuthenticatedRequest, notification_id: int) -> Response:
        from django.utils import timezone

        notification = get_object_or_404(_notifications(request.user), pk=notification_id)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(NotificationOutput(notification).data)


__all__ = ["Prefetch", "Status"]

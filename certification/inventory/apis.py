"""REST API of an application's inventory: its lines, import and the stored recomputation.

Applications are read through `application_get_for_actor`, so another enterprise's
application is a 404 like a missing one; writes go through certification.inventory.services,
whose WorkflowErrors become 403/409 problems and ValidationErrors 400 problems.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from accounts.models import User
from certification import selectors as certification_selectors
from certification.models import Application, EvidenceFile
from config.api import Pagination, paginated, problem_response
from config.schema import workflow_step
from footprint import selectors as footprint_selectors
from footprint.models import (
    QUANTITY_DIGITS,
    RATING_FIELDS,
    DirectGas,
    InventoryLine,
    Recomputation,
    Stage,
)

from . import selectors, services


def _application(user: User, application_id: int) -> Application:
    application = certification_selectors.application_get_for_actor(user, application_id)
    if not certification_selectors.application_can_read_dossier(user, application):
        raise Http404
    return application


# --- inventory lines ----------------------------------------------------------------------


class InventoryLineOutput(serializers.ModelSerializer):
    factor_code = serializers.CharField(source="factor.code", allow_null=True, default=None)
    factor_dataset_version = serializers.IntegerField(
        source="factor.version.number", allow_null=True, default=None
    )
    dossier_version = serializers.IntegerField(source="dossier_version.number")

    class Meta:
        model = InventoryLine
        fields = [
            "id",
            "dossier_version",
            "position",
            "stage",
            "name",
            "amount",
            "unit",
            "factor_code",
            "factor_dataset_version",
            "custom_factor_value",
            "custom_factor_unit",
            "custom_factor_source",
            "custom_factor_evidence",
            "direct_gas",
            "justification",
            "net_calorific_value",
            "net_calorific_value_unit",
            "is_primary",
            "is_biogenic",
            *RATING_FIELDS,
            "uncertainty_gsd",
            "uncertainty_relative_std",
        ]


def _rating() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=3, required=False, allow_null=True)


def _optional_quantity() -> serializers.DecimalField:
    return serializers.DecimalField(**QUANTITY_DIGITS, required=False, allow_null=True)


class InventoryLineCreateInput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    name = serializers.CharField(max_length=300)
    amount = serializers.DecimalField(**QUANTITY_DIGITS)
    unit = serializers.CharField(max_length=32)
    factor_code = serializers.CharField(
        max_length=120, required=False, allow_blank=True, help_text="A code of the factor library."
    )
    custom_factor_value = _optional_quantity()
    custom_factor_unit = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Such as kgCO2e/kg, tCO2e/MWh or kgCO2e/(t*km).",
    )
    custom_factor_source = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Where the enterprise-specific factor comes from (EPD, report, year).",
    )
    custom_factor_evidence = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Id of one of this dossier version's evidence files.",
    )
    direct_gas = serializers.ChoiceField(
        choices=DirectGas.choices,
        required=False,
        allow_blank=True,
        help_text="Instead of a factor: the amount is a mass (g, kg, t) of this gas emitted, "
        "converted with the dossier's GWP set.",
    )
    justification = serializers.CharField(required=False, allow_blank=True)
    net_calorific_value = _optional_quantity()
    net_calorific_value_unit = serializers.CharField(
        max_length=32, required=False, allow_blank=True
    )
    is_primary = serializers.BooleanField(required=False)
    is_biogenic = serializers.BooleanField(required=False)
    dq_technological = _rating()
    dq_temporal = _rating()
    dq_geographical = _rating()
    dq_completeness = _rating()
    dq_reliability = _rating()
    uncertainty_gsd = serializers.DecimalField(
        max_digits=12, decimal_places=6, required=False, allow_null=True
    )
    uncertainty_relative_std = serializers.DecimalField(
        max_digits=12, decimal_places=6, required=False, allow_null=True
    )


class InventoryLineUpdateInput(InventoryLineCreateInput):
    """The same fields, each optional (PATCH)."""


def _service_data(application: Application, validated: dict) -> dict:
    """The input as the service takes it: an evidence id becomes that file of this dossier."""
    data = dict(validated)
    if data.get("custom_factor_evidence") is not None:
        evidence = EvidenceFile.objects.filter(
            application=application, pk=data["custom_factor_evidence"]
        ).first()
        if evidence is None:
            raise serializers.ValidationError(
                {"custom_factor_evidence": [_("Not one of this dossier's evidence files.")]}
            )
        data["custom_factor_evidence"] = evidence
    return data


class InventoryListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version", int, description="Dossier version number; the latest when not given."
            )
        ],
        responses=InventoryLineOutput(many=True),
    )
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = _application(request.user, application_id)
        version = selectors.dossier_version_for_inventory(
            request.user, application, request.query_params.get("version")
        )
        lines = footprint_selectors.inventory_lines_of(version).select_related("dossier_version")
        return paginated(request, self, lines, InventoryLineOutput)

    @workflow_step
    @extend_schema(request=InventoryLineCreateInput, responses={201: InventoryLineOutput})
    def post(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = _application(request.user, application_id)
        data = InventoryLineCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        line = services.inventory_line_create(
            actor=request.user,
            application=application,
            data=_service_data(application, data.validated_data),
        )
        return Response(InventoryLineOutput(line).data, status=status.HTTP_201_CREATED)


class InventoryLineDetailApi(APIView):
    def _line(self, request: AuthenticatedRequest, application_id: int, line_id: int):
        application = _application(request.user, application_id)
        line = (
            InventoryLine.objects.select_related("factor__version", "dossier_version")
            .filter(dossier_version__application=application, pk=line_id)
            .first()
        )
        if line is None:
            raise Http404
        return application, line

    @workflow_step
    @extend_schema(request=InventoryLineUpdateInput, responses=InventoryLineOutput)
    def patch(self, request: AuthenticatedRequest, application_id: int, line_id: int) -> Response:
        application, line = self._line(request, application_id, line_id)
        data = InventoryLineUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        line = services.inventory_line_update(
            actor=request.user,
            application=application,
            line=line,
            data=_service_data(application, data.validated_data),
        )
        return Response(InventoryLineOutput(line).data)

    @workflow_step
    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, application_id: int, line_id: int) -> Response:
        application, line = self._line(request, application_id, line_id)
        services.inventory_line_delete(actor=request.user, application=application, line=line)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- import -------------------------------------------------------------------------------


class InventoryImportInput(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="An .xlsx workbook or a .csv file shaped like the template.",
    )


class InventoryImportOutput(serializers.Serializer):
    imported = serializers.IntegerField()


class InventoryImportApi(APIView):
    @workflow_step
    @extend_schema(
        request={"multipart/form-data": InventoryImportInput},
        responses={
            200: InventoryImportOutput,
            400: OpenApiResponse(
                description="Nothing was imported: `errors` lists every problem of the file "
                "as {row, column, message}, or names the field."
            ),
        },
    )
    def post(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = _application(request.user, application_id)
        data = InventoryImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.inventory_import_upload(
            actor=request.user, application=application, upload=data.validated_data["file"]
        )
        if not outcome.ok:
            return problem_response(
                status_code=status.HTTP_400_BAD_REQUEST,
                title=_("Import refused"),
                detail=_("Nothing was imported: the file has %(count)s problem(s).")
                % {"count": len(outcome.errors)},
                code="import_invalid",
                extra={
                    "errors": [
                        {"row": issue.row, "column": issue.column, "message": issue.message}
                        for issue in outcome.errors
                    ]
                },
            )
        return Response(InventoryImportOutput({"imported": outcome.imported}).data)


# --- recomputation ------------------------------------------------------------------------


class RecomputationOutput(serializers.ModelSerializer):
    dossier_version = serializers.IntegerField(source="dossier_version.number")
    computed_by: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()

    class Meta:
        model = Recomputation
        fields = [
            "dossier_version",
            "computed_at",
            "computed_by",
            "gwp_set",
            "total",
            "by_stage",
            "fossil",
            "biogenic",
            "primary_data_share",
            "declared_total",
            "declared_by_stage",
            "deviation",
            "stage_deviations",
            "material",
            "material_stages",
            "materiality",
            "uncertainty_mean",
            "uncertainty_median",
            "uncertainty_p2_5",
            "uncertainty_p97_5",
            "uncertainty_draws",
            "uncertainty_seed",
            "lines_count",
        ]


class RecomputationApi(APIView):
    @extend_schema(
        responses=RecomputationOutput,
        description="The stored recomputation of the latest submitted dossier "
        "version, for the body's people, the peer reviewer and the "
        "regulator.",
    )
    def get(self, request: AuthenticatedRequest, application_id: int) -> Response:
        application = certification_selectors.application_get_for_actor(
            request.user, application_id
        )
        recomputation = selectors.recomputation_get_for_actor(request.user, application)
        return Response(RecomputationOutput(recomputation).data)

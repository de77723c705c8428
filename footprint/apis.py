"""REST API of the emission factor library."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination, paginated, query_integer

from . import selectors
from .models import EmissionFactor

# --- the factor library -------------------------------------------------------------------


class EmissionFactorOutput(serializers.ModelSerializer):
    dataset = serializers.CharField(source="version.dataset.code")
    dataset_version = serializers.IntegerField(source="version.number")

    class Meta:
        model = EmissionFactor
        fields = [
            "id",
            "code",
            "name",
            "dataset",
            "dataset_version",
            "region",
            "data_year",
            "publication_date",
            "publisher",
            "source",
            "licence_note",
            "factor_kind",
            "value",
            "unit",
            "gas",
            "gwp_set",
        ]


class EmissionFactorListApi(APIView):
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Part of the name, code or source."),
            OpenApiParameter("region", str, description="Region, such as CN or CN-EAST."),
            OpenApiParameter(
                "year", {"type": "integer", "minimum": 1, "maximum": 9999}, description="Data year."
            ),
            OpenApiParameter("publisher", str, description="Part of the publisher's name."),
        ],
        responses=EmissionFactorOutput(many=True),
        description="Factors of the latest published version of each dataset.",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        year = query_integer(request, "year", message=_("A year, such as 2022."), maximum=9999)
        factors = selectors.factor_search(
            query=params.get("q", "").strip(),
            region=params.get("region", "").strip(),
            year=year,
            publisher=params.get("publisher", "").strip(),
        )
        return paginated(request, self, factors, EmissionFactorOutput)

"""The two baselines the label lookups are compared with.

(a) ``constant_json``: a bare Django view returning constant JSON. It still passes the product's
    whole middleware stack (sessions, locale, CSRF, auth, CSP, axes…), like every request does.
(b) ``PlainLabelViewSet``: a plain DRF ModelViewSet retrieving a Label by serial with a default
    ModelSerializer of a few fields, under the project's default authentication and throttle
    classes (the benchmark sends the same API key as to the label API).
"""

from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from labels import apis
from labels.models import Label

CONSTANT = {"status": "ok", "service": "carbonlabel", "version": 1}


def constant_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(CONSTANT)


class PlainLabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["serial", "gtin", "status", "valid_from", "valid_until", "status_changed_at"]


class PlainLabelViewSet(viewsets.ModelViewSet):
    queryset = Label.objects.all()
    serializer_class = PlainLabelSerializer
    lookup_field = "serial"
    permission_classes = [AllowAny]
    http_method_names = ["get", "head", "options"]  # read-only even though it is a ModelViewSet


# --- proposed optimisation, measured by the benchmark only ------------------------------------
# The marketplace lookups build their answer from the label row alone (label_representation
# reads label fields and the credential), yet select 7 related tables with it. PostgreSQL plans
# that 8-table join on every call (Django does not prepare statements), and Django builds 8 model
# instances per row. The "lean" variants below are the product's views with only the query
# changed; nothing of the product uses them.


class LeanLabelBySerialApi(apis.LabelBySerialApi):
    def get(self, request: Request, serial: str) -> Response:
        label = Label.objects.filter(serial=serial.upper()).first()
        if label is None:
            raise NotFound("No label with this serial.")
        return apis._conditional(request, [label], apis.label_representation(label))


class LeanLabelsByGtinApi(apis.LabelsByGtinApi):
    def get(self, request: Request, gtin: str) -> Response:
        gtin = apis._gtin_fourteen(gtin)
        labels = list(Label.objects.filter(gtin=gtin).order_by("-issued_at"))
        if not labels:
            raise NotFound("No label for this GTIN.")
        return apis._conditional(request, labels, {
            "gtin": gtin, "labels": [apis.label_representation(label) for label in labels]})


class LeanLabelBatchApi(apis.LabelBatchApi):
    def post(self, request: Request) -> Response:
        data = apis.LabelBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        keys = data.validated_data["keys"]
        serials = {k["serial"] for k in keys if "serial" in k}
        numbers = {k["certificateNumber"] for k in keys if "certificateNumber" in k}
        gtins = {k["gtin"] for k in keys if "gtin" in k}
        # Only the certificate is needed, to match certificate-number keys.
        labels = list(Label.objects.select_related("certificate").filter(
            Q(serial__in=serials) | Q(certificate__number__in=numbers) | Q(gtin__in=gtins)
        ).order_by("-issued_at"))
        results = []
        for key in keys:
            kind, value = next(iter(key.items()))
            matched = [label for label in labels if apis._matches(label, kind, value)]
            results.append({"key": key, "found": bool(matched),
                            "labels": [apis.label_representation(label) for label in matched]})
        return apis._conditional(request, labels, {"results": results})

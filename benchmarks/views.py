"""The baselines the label lookups are compared with.

(a) ``constant_json``: a bare Django view returning constant JSON. It still passes the product's
    whole middleware stack (sessions, locale, CSRF, auth, CSP, axes…), like every request does.
(b) ``PlainLabelViewSet``: a plain DRF ModelViewSet retrieving a Label by serial with a default
    ModelSerializer of a few fields, under the project's default authentication and throttle
    classes (the benchmark sends the same API key as to the label API).
"""

from django.http import HttpRequest, JsonResponse
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

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

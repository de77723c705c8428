"""Baseline endpoints of the load benchmark, mounted only by benchmarks.settings."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("bench/drf/labels", views.PlainLabelViewSet, basename="bench-drf-label")

urlpatterns = [
    path("bench/constant/", views.constant_json, name="bench-constant"),
    path("", include(router.urls)),
    path("bench/lean/labels/batch/", views.LeanLabelBatchApi.as_view(), name="bench-lean-batch"),
    path("bench/lean/labels/<str:serial>/", views.LeanLabelBySerialApi.as_view(),
         name="bench-lean-label"),
    path("bench/lean/gtins/<str:gtin>/labels/", views.LeanLabelsByGtinApi.as_view(),
         name="bench-lean-gtin"),
]

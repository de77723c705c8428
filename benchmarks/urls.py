"""Baseline endpoints of the load benchmark, mounted only by benchmarks.settings."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("bench/drf/labels", views.PlainLabelViewSet, basename="bench-drf-label")

urlpatterns = [
    path("bench/constant/", views.constant_json, name="bench-constant"),
    path("", include(router.urls)),
]

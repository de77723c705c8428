"""Baseline endpoints of the load benchmark, mounted only by benchmarks.settings."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("bench/drf/labels", views.PlainLabelViewSet, basename="bench-drf-label")

urlpatterns = [
    path("bench/constant/", views.constant_json, name="bench-constant"),
    path("", include(router.urls)),
    path("bench/fast-key/labels/<str:serial>/", views.FastKeyLookupApi.as_view(),
         name="bench-fast-key-label"),
    path("bench/cached/labels/<str:serial>/", views.CachedAnswerLookupApi.as_view(),
         name="bench-cached-label"),
    path("bench/template-links/labels/batch/", views.TemplateLinksBatchApi.as_view(),
         name="bench-template-links-batch"),
]

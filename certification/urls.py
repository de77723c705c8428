from django.urls import path, register_converter

from config.converters import PositiveIntegerConverter

from . import bulk_views, views

register_converter(PositiveIntegerConverter, "positive_int")

app_name = "certification"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("inbox/", views.inbox, name="inbox"),
    path("products/", views.product_list, name="product_list"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/from-sibling/", views.start_from_sibling, name="start_from_sibling"),
    path("applications/", views.application_list, name="application_list"),
    path(
        "applications/export.<str:kind>",
        views.application_export,
        name="application_export",
    ),
    path("applications/new/", views.application_create, name="application_create"),
    path("applications/bulk/", bulk_views.bulk_start, name="bulk_start"),
    path("applications/bulk/confirm/", bulk_views.bulk_confirm, name="bulk_confirm"),
    path("applications/bulk/<int:pk>/", bulk_views.bulk_done, name="bulk_done"),
    path(
        "applications/bulk/template.<str:file_format>",
        bulk_views.bulk_template_download,
        name="bulk_template",
    ),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/transition/", views.application_transition, name="transition"),
    path("applications/<int:pk>/dossier/", views.dossier_edit, name="dossier_edit"),
    path(
        "applications/<int:pk>/dossier/v<positive_int:number>/changes/",
        views.dossier_diff,
        name="dossier_diff",
    ),
    path("applications/<int:pk>/files/", views.evidence_upload, name="evidence_upload"),
    path(
        "applications/<int:pk>/files/<int:file_id>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path(
        "applications/<int:pk>/files/<int:file_id>/remove/",
        views.evidence_remove,
        name="evidence_remove",
    ),
    path("applications/<int:pk>/variants/", views.variant_add, name="variant_add"),
    path(
        "applications/<int:pk>/variants/<int:variant_id>/remove/",
        views.variant_remove,
        name="variant_remove",
    ),
    path("applications/<int:pk>/team/", views.team_assign, name="team_assign"),
    path("applications/<int:pk>/declare/<str:role>/", views.declare, name="declare"),
    path("applications/<int:pk>/peer-review/", views.peer_assign, name="peer_assign"),
    path("applications/<int:pk>/findings/", views.finding_create, name="finding_create"),
    path(
        "applications/<int:pk>/findings/<int:finding_id>/answer/",
        views.finding_answer,
        name="finding_answer",
    ),
    path(
        "applications/<int:pk>/findings/<int:finding_id>/close/",
        views.finding_close,
        name="finding_close",
    ),
    path("applications/<int:pk>/evaluation/", views.evaluation_edit, name="evaluation_edit"),
]

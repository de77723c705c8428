from django.urls import path

from . import views

app_name = "footprint"
application = "applications/<int:pk>"
urlpatterns = [
    path("factors/", views.factor_list, name="factor_list"),
    path("datasets/", views.dataset_list, name="dataset_list"),
    path("datasets/<int:pk>/draft/", views.dataset_draft_create, name="dataset_draft_create"),
    path("dataset-versions/<int:pk>/", views.dataset_version_detail, name="dataset_version"),
    path(
        "dataset-versions/<int:pk>/publish/",
        views.dataset_version_publish,
        name="dataset_version_publish",
    ),
    path(
        "dataset-versions/<int:pk>/discard/",
        views.dataset_version_discard,
        name="dataset_version_discard",
    ),
    path("factors/<int:pk>/edit/", views.factor_edit, name="factor_edit"),
    path("factors/<int:pk>/delete/", views.factor_delete, name="factor_delete"),
    path("inventory-template.xlsx", views.inventory_template, name="inventory_template"),
    path(f"{application}/inventory/", views.inventory, name="inventory"),
    path(
        f"{application}/inventory/<int:line_id>/",
        views.inventory_line_edit,
        name="inventory_line_edit",
    ),
    path(
        f"{application}/inventory/<int:line_id>/delete/",
        views.inventory_line_delete,
        name="inventory_line_delete",
    ),
    path(f"{application}/inventory/import/", views.inventory_import, name="inventory_import"),
    path(f"{application}/inventory/copy/", views.inventory_copy, name="inventory_copy"),
    path(
        f"{application}/inventory/export.<str:file_format>",
        views.inventory_export,
        name="inventory_export",
    ),
    path(f"{application}/workbench/", views.workbench, name="workbench"),
    path(
        f"{application}/workbench/recompute/", views.workbench_recompute, name="workbench_recompute"
    ),
]

"""An application's inventory and workbench, in the ``footprint`` namespace with the factor
library (config/urls.py includes both under it)."""

from django.urls import path

from . import views

application = "applications/<int:pk>"
urlpatterns = [
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

from django.urls import path

from . import views

# An application's inventory and workbench (certification.inventory.urls) share this namespace:
# config/urls.py includes both under it.
app_name = "footprint"
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
]

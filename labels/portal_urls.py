from django.urls import path

from . import portal

app_name = "labels_portal"
urlpatterns = [
    path("", portal.label_list, name="list"),
    path("export.<str:kind>", portal.label_export, name="export"),
    path("keys/", portal.key_list, name="keys"),
    path("keys/<int:body_id>/rotate/", portal.key_rotate, name="key_rotate"),
    path("keys/<int:key_id>/revoke/", portal.key_revoke, name="key_revoke"),
    path("<str:serial>/", portal.label_manage, name="manage"),
    path("<str:serial>/status/", portal.label_status_change, name="status_change"),
    path("<str:serial>/artwork-<int:size>mm.<str:fmt>", portal.artwork, name="artwork"),
]

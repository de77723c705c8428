"""The transparency log under /log/ (C2SP tlog-tiles), and each label's log.json."""

from django.urls import path, re_path

from . import views

app_name = "transparency"
urlpatterns = [
    path("log/checkpoint", views.checkpoint, name="checkpoint"),
    path("log/key", views.key, name="key"),
    re_path(r"^log/tile/entries/(?P<path>[x0-9/]+(?:\.p/[0-9]+)?)$", views.entries, name="entries"),
    re_path(
        r"^log/tile/(?P<level>[0-9]{1,2})/(?P<path>[x0-9/]+(?:\.p/[0-9]+)?)$",
        views.tile,
        name="tile",
    ),
    path("log/proof/inclusion", views.inclusion_proof, name="inclusion_proof"),
    path("log/proof/consistency", views.consistency_proof, name="consistency_proof"),
    path("labels/<str:serial>/log.json", views.label_log, name="label_log"),
]

"""The PACT host under settings.PACT_BASE_PATH (default /pact/): the token endpoint and the
actions of v2.3 and v3.0. A trailing slash is accepted, as clients differ on it."""

from django.urls import re_path

from . import views

app_name = "pact"
urlpatterns = [
    re_path(r"^auth/token/?$", views.token, name="token"),
]
for spec in (2, 3):
    urlpatterns += [
        re_path(
            rf"^{spec}/footprints/?$",
            views.footprint_list,
            {"spec": spec},
            name=f"footprints-{spec}",
        ),
        re_path(
            rf"^{spec}/footprints/(?P<footprint_id>[^/]+)/?$",
            views.footprint_detail,
            {"spec": spec},
            name=f"footprint-{spec}",
        ),
        re_path(
            rf"^{spec}/events/?$", views.events_endpoint, {"spec": spec}, name=f"events-{spec}"
        ),
    ]

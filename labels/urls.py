"""Public label URLs (no login). The resolver paths sit at the root, as GS1 Digital Link
wants them."""

from django.urls import path, re_path

from . import conformance_views, views

app_name = "labels"
urlpatterns = [
    re_path(r"^01/(?P<gtin>[^/]*)(?P<rest>(?:/.*)?)$", views.resolve_gtin, name="resolve_gtin"),
    # One answer with or without a trailing slash.
    re_path(r"^L/(?P<serial>[^/]*)/?$", views.resolve_serial, name="resolve_serial"),
    path(".well-known/gs1resolver", views.gs1_resolver_description, name="gs1resolver"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("labels/<str:serial>/", views.public_page, name="public_page"),
    path("labels/<str:serial>/status.json", views.label_status, name="status"),
    path("labels/<str:serial>/credential.json", views.credential, name="credential"),
    path("labels/<str:serial>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("labels/<str:serial>/qr.<str:fmt>", views.qr_code, name="qr"),
    path("status/<slug:code>/<str:purpose>/<int:number>", views.status_list, name="status_list"),
    path("bodies/<slug:code>/did.json", views.body_did_document, name="did_document"),
    path("contexts/carbon-label/v1", views.label_context, name="context"),
    path("vc-api/credentials/verify", views.verify_api, name="verify_api"),
    # The test issuer for conformance suites: 404 unless VC_API_TEST_ISSUER (labels/conformance.py).
    path("vc-api/credentials/issue", conformance_views.issue, name="conformance_issue"),
    path("vc-api/credentials/status", conformance_views.status, name="conformance_status"),
    path(
        "vc-api/status-lists/<str:purpose>",
        conformance_views.status_list,
        name="conformance_status_list",
    ),
    path(
        "vc-api/status-lists/<str:purpose>/publish",
        conformance_views.status_list_publish,
        name="conformance_status_list_publish",
    ),
    path("directory/", views.directory, name="directory"),
]

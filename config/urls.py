from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import health

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("portal/", include("certification.urls")),
    path("portal/footprint/", include("certification.footprint.urls")),
    path("portal/labels/", include("labels.portal_urls")),
    path("portal/webhooks/", include("labels.webhooks.urls")),
    path("portal/complaints/", include("audits.complaints.portal_urls")),
    path("portal/appeals/", include("audits.appeals.urls")),
    path("complaints/", include("audits.complaints.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path(settings.PACT_BASE_PATH.strip("/") + "/", include("pact.urls")),
    path("", include("labels.urls")),
]

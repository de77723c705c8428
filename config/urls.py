from allauth.account.decorators import secure_admin_login
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.languages import language_switch
from accounts.urls import allauth_urlpatterns
from certification.inventory import urls as inventory_urls
from footprint import urls as footprint_urls
from oversight.dashboard import views as oversight_views

from . import favicon, health

PACT_BASE = settings.PACT_BASE_PATH.strip("/")

# The admin signs in through the portal's sign-in, second factor included.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # replaced on purpose

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    # First: label reads (the public page, the label API) are most of the traffic, and URLs
    # resolve in order; none of their paths is matched by a pattern below.
    path("", include("labels.urls")),
    path("api/v1/", include("config.api_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/setlang/", language_switch, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include(allauth_urlpatterns)),
    path("portal/", include("certification.urls")),
    path(
        "portal/footprint/",
        include((footprint_urls.urlpatterns + inventory_urls.urlpatterns, footprint_urls.app_name)),
    ),
    path("portal/labels/", include("labels.portal_urls")),
    path("portal/webhooks/", include("labels.webhooks.urls")),
    path("portal/supervision/", include("oversight.supervision.urls")),
    path("portal/oversight/", include("oversight.urls")),
    path("oversight/", include("oversight.public_urls")),
    path("portal/oversight/dashboard/", include("oversight.dashboard.urls")),
    path("portal/dashboards/", include("oversight.dashboard.portal_urls")),
    path("portal/oversight/audit-chain/", include("oversight.chain.urls")),
    path("statistics/", oversight_views.statistics, name="statistics"),
    path("portal/complaints/", include("oversight.complaints.portal_urls")),
    path("portal/appeals/", include("oversight.appeals.urls")),
    path("complaints/", include("oversight.complaints.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI, from our static files; its script is a file (the split view), but its widgets
    # set inline styles, so this page alone allows them.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
    # PACT_BASE_PATH "/" (or empty) serves the PACT host at the root: no prefix, not "/".
    path(f"{PACT_BASE}/" if PACT_BASE else "", include("pact.urls")),
    path("", include("audits.transparency.urls")),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"

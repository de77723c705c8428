"""All of /api/v1/ in one list, so the API surface reads at a glance."""

from django.urls import path

from accounts import apis as accounts_apis
from audits import apis as audits_apis
from certification import apis, review_apis
from certification.inventory import apis as inventory_apis
from footprint import apis as footprint_apis
from labels import apis as label_apis

app = "<int:application_id>"
urlpatterns = [
    # First: the marketplaces' label reads are most of the traffic, and URLs resolve in order.
    path("labels/batch/", label_apis.LabelBatchApi.as_view(), name="api-label-batch"),
    path("labels/<str:serial>/", label_apis.LabelBySerialApi.as_view(), name="api-label"),
    path(
        "labels/<str:serial>/badge.<str:fmt>",
        label_apis.LabelBadgeApi.as_view(),
        name="api-label-badge",
    ),
    path(
        "certificates/<str:number>/label/",
        label_apis.LabelByCertificateApi.as_view(),
        name="api-certificate-label",
    ),
    path("gtins/<str:gtin>/labels/", label_apis.LabelsByGtinApi.as_view(), name="api-gtin-labels"),
    path("auth/token/", accounts_apis.TokenObtainApi.as_view(), name="api-token"),
    path("categories/", apis.CategoryListApi.as_view(), name="api-categories"),
    path("certification-bodies/", apis.CertificationBodyListApi.as_view(), name="api-bodies"),
    path("products/", apis.ProductListApi.as_view(), name="api-products"),
    path("products/<int:product_id>/", apis.ProductDetailApi.as_view(), name="api-product"),
    path("applications/", apis.ApplicationListApi.as_view(), name="api-applications"),
    path(f"applications/{app}/", apis.ApplicationDetailApi.as_view(), name="api-application"),
    path(
        f"applications/{app}/transitions/",
        apis.ApplicationTransitionApi.as_view(),
        name="api-transitions",
    ),
    path(f"applications/{app}/events/", apis.ApplicationEventListApi.as_view(), name="api-events"),
    path(f"applications/{app}/dossier/", apis.DossierApi.as_view(), name="api-dossier"),
    path(
        f"applications/{app}/dossier/versions/",
        apis.DossierVersionListApi.as_view(),
        name="api-dossier-versions",
    ),
    path(
        f"applications/{app}/dossier/versions/<int:number>/diff/",
        apis.DossierDiffApi.as_view(),
        name="api-dossier-diff",
    ),
    path(f"applications/{app}/files/", apis.EvidenceListApi.as_view(), name="api-files"),
    path(
        f"applications/{app}/files/<int:file_id>/",
        apis.EvidenceDetailApi.as_view(),
        name="api-file",
    ),
    path(f"applications/{app}/variants/", apis.VariantListApi.as_view(), name="api-variants"),
    path(
        f"applications/{app}/variants/<int:variant_id>/",
        apis.VariantDetailApi.as_view(),
        name="api-variant",
    ),
    path(f"applications/{app}/team/", review_apis.TeamApi.as_view(), name="api-team"),
    path(
        f"applications/{app}/team/declaration/",
        review_apis.TeamDeclarationApi.as_view(),
        name="api-team-declaration",
    ),
    path(
        f"applications/{app}/findings/", review_apis.FindingListApi.as_view(), name="api-findings"
    ),
    path(
        f"applications/{app}/findings/<int:finding_id>/answer/",
        review_apis.FindingAnswerApi.as_view(),
        name="api-finding-answer",
    ),
    path(
        f"applications/{app}/findings/<int:finding_id>/close/",
        review_apis.FindingCloseApi.as_view(),
        name="api-finding-close",
    ),
    path(
        f"applications/{app}/findings/<int:finding_id>/reopen/",
        review_apis.FindingReopenApi.as_view(),
        name="api-finding-reopen",
    ),
    path(
        f"applications/{app}/evaluation/",
        review_apis.EvaluationApi.as_view(),
        name="api-evaluation",
    ),
    path(
        f"applications/{app}/peer-review/",
        review_apis.PeerReviewApi.as_view(),
        name="api-peer-review",
    ),
    path(
        f"applications/{app}/peer-review/declaration/",
        review_apis.PeerReviewDeclarationApi.as_view(),
        name="api-peer-declaration",
    ),
    path("notifications/", apis.NotificationListApi.as_view(), name="api-notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        apis.NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
    path("blacklist/", audits_apis.BlacklistApi.as_view(), name="api-blacklist"),
    path(
        f"applications/{app}/inventory/",
        inventory_apis.InventoryListApi.as_view(),
        name="api-inventory",
    ),
    path(
        f"applications/{app}/inventory/import/",
        inventory_apis.InventoryImportApi.as_view(),
        name="api-inventory-import",
    ),
    path(
        f"applications/{app}/inventory/<int:line_id>/",
        inventory_apis.InventoryLineDetailApi.as_view(),
        name="api-inventory-line",
    ),
    path(
        f"applications/{app}/recomputation/",
        inventory_apis.RecomputationApi.as_view(),
        name="api-recomputation",
    ),
    path(
        "emission-factors/",
        footprint_apis.EmissionFactorListApi.as_view(),
        name="api-emission-factors",
    ),
]

# Complaints about labels (oversight.complaints, CONTRACTS §10).
from oversight.complaints import apis as complaint_apis  # noqa: E402

urlpatterns += [
    path("complaints/", complaint_apis.ComplaintListApi.as_view(), name="api-complaints"),
    path(
        "complaints/<str:reference>/",
        complaint_apis.ComplaintDetailApi.as_view(),
        name="api-complaint",
    ),
]

# Webhooks for marketplaces (labels.webhooks).
from labels.webhooks import apis as webhook_apis  # noqa: E402

urlpatterns += [
    path(
        "webhooks/endpoints/",
        webhook_apis.WebhookEndpointListApi.as_view(),
        name="api-webhook-endpoints",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/",
        webhook_apis.WebhookEndpointDetailApi.as_view(),
        name="api-webhook-endpoint",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/test/",
        webhook_apis.WebhookEndpointTestApi.as_view(),
        name="api-webhook-endpoint-test",
    ),
    path(
        "webhooks/deliveries/",
        webhook_apis.WebhookDeliveryListApi.as_view(),
        name="api-webhook-deliveries",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/",
        webhook_apis.WebhookDeliveryDetailApi.as_view(),
        name="api-webhook-delivery",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/redeliver/",
        webhook_apis.WebhookDeliveryRedeliverApi.as_view(),
        name="api-webhook-delivery-redeliver",
    ),
]

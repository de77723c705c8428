from django.urls import path

from oversight.supervision import views

app_name = "audits"
surveillance = "surveillances/<int:pk>"
urlpatterns = [
    path("certificates/", views.certificate_list, name="certificates"),
    path("certificates/export.<str:kind>", views.certificate_export, name="certificate_export"),
    path("factor-impact/", views.factor_impact_report, name="factor_impact"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate"),
    path(
        "certificates/<int:pk>/request/<str:kind>/",
        views.certificate_request,
        name="certificate_request",
    ),
    path(
        "certificates/<int:pk>/changes/<int:request_id>/", views.change_decide, name="change_decide"
    ),
    path(f"{surveillance}/", views.surveillance_detail, name="surveillance"),
    path(f"{surveillance}/plan/", views.surveillance_plan, name="surveillance_plan"),
    path(f"{surveillance}/step/<str:step>/", views.surveillance_step, name="surveillance_step"),
    path(f"{surveillance}/declare/", views.surveillance_declare, name="surveillance_declare"),
    path(f"{surveillance}/report/", views.surveillance_report, name="surveillance_report"),
    path(f"{surveillance}/recompute/", views.surveillance_recompute, name="surveillance_recompute"),
    path(f"{surveillance}/findings/", views.surveillance_finding, name="surveillance_finding"),
    path(
        f"{surveillance}/findings/<int:finding_id>/answer/",
        views.surveillance_finding_answer,
        name="surveillance_finding_answer",
    ),
    path(
        f"{surveillance}/findings/<int:finding_id>/close/",
        views.surveillance_finding_close,
        name="surveillance_finding_close",
    ),
]

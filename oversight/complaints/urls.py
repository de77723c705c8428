"""Public complaint pages (no login)."""

from django.urls import path

from oversight.complaints import views

app_name = "complaints"
urlpatterns = [
    path("report/<str:serial>/", views.report, name="report"),
    path("follow/<str:token>/", views.follow, name="follow"),
]

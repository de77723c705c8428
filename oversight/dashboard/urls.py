from django.urls import path

from oversight.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<str:name>.<str:kind>", views.export, name="export"),
]

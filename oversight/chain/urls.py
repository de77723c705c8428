from django.urls import path

from oversight.chain import views

app_name = "audit_chain"
urlpatterns = [
    path("", views.entry_list_view, name="list"),
    path("export.<str:kind>", views.entry_export, name="export"),
]

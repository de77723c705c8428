from django.urls import path

from oversight.appeals import views

app_name = "appeals"
urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/", views.appeal_new, name="new"),
    path("<str:reference>/", views.appeal_detail, name="detail"),
    path("<str:reference>/step/", views.appeal_step, name="step"),
]

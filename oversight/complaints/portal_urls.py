from django.urls import path

from oversight.complaints import views

app_name = "complaints_portal"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("<str:reference>/", views.complaint_detail, name="detail"),
    path("<str:reference>/assign/", views.complaint_assign, name="assign"),
    path("<str:reference>/step/", views.complaint_step, name="step"),
    path("<str:reference>/attachment/", views.complaint_attachment, name="attachment"),
]

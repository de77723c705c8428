from django.urls import path

from oversight import views

app_name = "oversight_public"
urlpatterns = [
    path("sampling/", views.public_sampling, name="sampling"),
    path("blacklist/", views.public_blacklist, name="blacklist"),
]

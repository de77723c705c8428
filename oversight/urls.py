from django.urls import path

from oversight import views

app_name = "oversight"
urlpatterns = [
    path("sampling/", views.sampling_draws, name="sampling_draws"),
    path("reinspections/", views.reinspection_list, name="reinspection_list"),
    path("reinspections/<int:pk>/", views.reinspection_detail, name="reinspection_detail"),
    path("blacklist/", views.blacklist_list, name="blacklist_list"),
    path("blacklist/<int:pk>/", views.blacklist_detail, name="blacklist_detail"),
    path("blacklist/<int:pk>/delist/", views.blacklist_delist, name="blacklist_delist"),
    path("blacklist/<int:pk>/order/", views.blacklist_order, name="blacklist_order"),
    path("transfer/<int:application_id>/", views.application_transfer, name="transfer"),
]

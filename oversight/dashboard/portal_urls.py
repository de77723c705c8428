from django.urls import path

from oversight.dashboard import portal_views

app_name = "dashboards"
urlpatterns = [
    path("tasks/", portal_views.tasks, name="tasks"),
    path(
        "tasks/applications/<int:pk>/team/",
        portal_views.application_team_reassign,
        name="application_team_reassign",
    ),
    path(
        "tasks/surveillances/<int:pk>/team/",
        portal_views.surveillance_team_reassign,
        name="surveillance_team_reassign",
    ),
    path("enterprise/", portal_views.enterprise, name="enterprise"),
]

from django.apps import AppConfig


class LabelsConfig(AppConfig):
    name = "labels"

    def ready(self) -> None:
        from certification.hooks import certificate_approved

        from . import checks  # noqa: F401  (registers the start-up checks)
        from .tasks import label_issue

        # An approved application's label is issued by a task, queued once the approval commits.
        certificate_approved.register(label_issue.delay)

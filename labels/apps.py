from django.apps import AppConfig


class LabelsConfig(AppConfig):
    name = "labels"

    def ready(self) -> None:
        from certification.hooks import on_approval

        from . import checks  # noqa: F401  (registers the start-up checks)
        from .tasks import label_issue

        # An approved application's label is issued by a task, queued once the approval commits.
        on_approval(label_issue.delay)

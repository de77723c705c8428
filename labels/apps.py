from django.apps import AppConfig


class LabelsConfig(AppConfig):
    name = "labels"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the start-up checks)

from django.apps import AppConfig


class FootprintConfig(AppConfig):
    name = "footprint"
    label = "footprint"

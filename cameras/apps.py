from django.apps import AppConfig


class CamerasConfig(AppConfig):
    name = "cameras"

    def ready(self) -> None:
        from cameras.media import admin_panel  # noqa: F401 - registers the "Media ingestion" panel

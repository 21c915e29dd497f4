from django.apps import AppConfig


class NemConfig(AppConfig):
    name = "nem"
    verbose_name = "NEM access"

    def ready(self) -> None:
        from nem import schema  # noqa: F401 - registers the OpenAPI auth extension

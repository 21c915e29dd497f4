from django.apps import AppConfig


class NemConfig(AppConfig):
    name = "nem"
    verbose_name = "NEM access"

    def ready(self) -> None:
        from nem import checks, jobs, schema  # noqa: F401 - settings checks, job-run recording, OpenAPI auth

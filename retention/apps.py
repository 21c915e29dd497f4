from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "storage retention"

    def ready(self) -> None:
        from cameras.cascade import register_camera_child
        from retention import panels  # noqa: F401 - registers the camera page and admin index panels
        from retention.models import StoragePolicy

        # A camera's policy overrides are hidden with it and come back on restore.
        register_camera_child(StoragePolicy)

import factory

from cameras.models import Camera


class CameraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Camera
        django_get_or_create = ("id",)

    id = factory.Sequence(lambda n: f"cam_{n}")
    name = factory.Sequence(lambda n: f"Camera {n}")
    folder_path = factory.LazyAttribute(lambda o: f"/export/foscam/{o.id}")


def camera_admin_form(**values) -> dict:
    """The camera admin form as a browser posts it for a new FTP camera; ``values`` override fields."""
    form = {
        "id": "",
        "name": "Side Gate",
        "folder_path": "/export/foscam/side_gate",
        "ingestion_mode": "ftp",
        "rtsp_url": "",
        "rtsp_username": "",
        "rtsp_password": "",
        "stream_profile": "",
        "motion_sensitivity": "0.5",
        "onvif_url": "",
        "timezone": "UTC",
    }
    return {**form, **values}

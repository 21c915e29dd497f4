import factory

from cameras.models import Camera


class CameraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Camera
        django_get_or_create = ("id",)

    id = factory.Sequence(lambda n: f"cam_{n}")
    name = factory.Sequence(lambda n: f"Camera {n}")
    folder_path = factory.LazyAttribute(lambda o: f"/export/foscam/{o.id}")

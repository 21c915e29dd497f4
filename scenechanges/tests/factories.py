import factory
from django.utils import timezone

from cameras.tests.factories import CameraFactory
from scenechanges.models import SceneChange


class SceneChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SceneChange

    camera = factory.SubFactory(CameraFactory)
    detected_at = factory.LazyFunction(timezone.now)
    change_type = "view_blocked"
    similarity_score = 0.25
    file_path = factory.LazyAttribute(lambda o: f"{o.camera.folder_path}/scene_change.jpg")

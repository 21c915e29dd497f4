import datetime as dt

import factory

from baselines.models import Detection


class DetectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Detection

    camera = factory.SubFactory("cameras.tests.factories.CameraFactory")
    detected_at = factory.Sequence(lambda n: dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=n))
    object_type = "person"
    confidence = 0.9

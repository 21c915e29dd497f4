"""A URLconf for test_errors: the project's routes plus views that fail on purpose."""

from django.urls import path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny

from nem.errors import CameraConflict, DeviceUnavailable, InvalidQueryParameter, ServiceUnavailable
from nem.urls import handler404, handler500  # noqa: F401 - handlers are read by Django
from nem.urls import urlpatterns as project_patterns


def django_boom(request):
    raise RuntimeError("a bug in a plain Django view")


def _raising(exc):
    @api_view(["GET"])
    @authentication_classes([])
    @permission_classes([AllowAny])
    def view(request):
        raise exc()

    return view


drf_boom = _raising(lambda: RuntimeError("a bug in a DRF view"))

urlpatterns = [
    path("api/test-boom/django", django_boom),
    path("api/test-boom/drf", drf_boom),
    path("api/test-boom/device", _raising(DeviceUnavailable)),
    path("api/test-boom/service", _raising(lambda: ServiceUnavailable("The broker is down."))),
    path("api/test-boom/conflict", _raising(lambda: CameraConflict("A camera named 'x' exists."))),
    path("api/test-boom/query", _raising(lambda: InvalidQueryParameter("days", "must be 1-90"))),
    path("test-boom/html", django_boom),
    *project_patterns,
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from cameras.api.media_views import CameraPathValidationViewSet, CameraSnapshotViewSet
from cameras.api.views import CameraViewSet

router = SimpleRouter(trailing_slash=False)
router.register("cameras", CameraViewSet, basename="camera")

urlpatterns = [
    # Before the router: literal segments must win over the camera detail route.
    path("cameras/validation/paths", CameraPathValidationViewSet.as_view({"get": "retrieve"}), name="camera-validation-paths"),
    path("cameras/<str:camera_id>/snapshot", CameraSnapshotViewSet.as_view({"get": "retrieve"}), name="camera-snapshot"),
    *router.urls,
]

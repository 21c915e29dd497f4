from django.urls import path
from rest_framework.routers import SimpleRouter

from baselines.api.views import CameraBaselineViewSet, DetectionViewSet, EventViewSet

router = SimpleRouter(trailing_slash=False)
router.register("detections", DetectionViewSet, basename="detection")
router.register("events", EventViewSet, basename="event")

baseline = "cameras/<str:camera_id>/baseline"
urlpatterns = [
    path(baseline, CameraBaselineViewSet.as_view({"get": "summary"}), name="camera-baseline"),
    path(f"{baseline}/activity", CameraBaselineViewSet.as_view({"get": "activity"}), name="camera-baseline-activity"),
    path(f"{baseline}/classes", CameraBaselineViewSet.as_view({"get": "classes"}), name="camera-baseline-classes"),
    path(
        f"{baseline}/anomalies", CameraBaselineViewSet.as_view({"get": "anomalies"}), name="camera-baseline-anomalies"
    ),
    path(
        f"{baseline}/config",
        CameraBaselineViewSet.as_view({"get": "config", "put": "config_update", "patch": "config_partial_update"}),
        name="camera-baseline-config",
    ),
    path(f"{baseline}/reset", CameraBaselineViewSet.as_view({"post": "reset"}), name="camera-baseline-reset"),
    *router.urls,
]

from django.urls import path

from health.api.views import CameraHealthViewSet

urlpatterns = [
    path("cameras/<str:camera_id>/health", CameraHealthViewSet.as_view({"get": "retrieve"}), name="camera-health"),
]

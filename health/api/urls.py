from django.urls import path

from health.api.views import CameraHealthView

urlpatterns = [
    path("cameras/<str:camera_id>/health", CameraHealthView.as_view(), name="camera-health"),
]

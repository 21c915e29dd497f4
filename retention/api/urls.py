from django.urls import path

from retention.api.views import CameraStoragePolicyViewSet, CameraStorageViewSet

urlpatterns = [
    path("cameras/<str:camera_id>/storage", CameraStorageViewSet.as_view({"get": "retrieve"}), name="camera-storage"),
    path(
        "cameras/<str:camera_id>/storage-policy",
        CameraStoragePolicyViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
        name="camera-storage-policy",
    ),
]

from django.urls import path

from retention.api.views import CameraStoragePolicyView, CameraStorageView

urlpatterns = [
    path("cameras/<str:camera_id>/storage", CameraStorageView.as_view(), name="camera-storage"),
    path("cameras/<str:camera_id>/storage-policy", CameraStoragePolicyView.as_view(), name="camera-storage-policy"),
]

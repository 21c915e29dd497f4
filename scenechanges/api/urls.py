from django.urls import path

from scenechanges.api.views import SceneChangeViewSet

urlpatterns = [
    path(
        "cameras/<str:camera_id>/scene-changes",
        SceneChangeViewSet.as_view({"get": "list"}),
        name="scene-change-list",
    ),
    path(
        "cameras/<str:camera_id>/scene-changes/<str:scene_change_id>/acknowledge",
        SceneChangeViewSet.as_view({"post": "acknowledge"}),
        name="scene-change-acknowledge",
    ),
]

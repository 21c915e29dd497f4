from django.urls import path

from scenechanges.api.views import SceneChangeAcknowledgeView, SceneChangeListView

urlpatterns = [
    path("cameras/<str:camera_id>/scene-changes", SceneChangeListView.as_view(), name="scene-change-list"),
    path(
        "cameras/<str:camera_id>/scene-changes/<str:scene_change_id>/acknowledge",
        SceneChangeAcknowledgeView.as_view(),
        name="scene-change-acknowledge",
    ),
]

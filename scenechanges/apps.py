from django.apps import AppConfig


class ScenechangesConfig(AppConfig):
    name = "scenechanges"
    verbose_name = "scene changes"

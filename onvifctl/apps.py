from django.apps import AppConfig


class OnvifctlConfig(AppConfig):
    name = "onvifctl"
    verbose_name = "ONVIF"

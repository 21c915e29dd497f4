"""System checks of the alerts settings, in the form of ``nem.checks`` (a rule per setting), kept
in this app so the rules come and go with it. Registered in AlertsConfig.ready."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from nem.checks import SettingRule, number, rule_errors, url

ALERT_SETTING_RULES: list[SettingRule] = [
    url("NEM_MQTT_URL", ("mqtt", "mqtts"), optional=True),
    SettingRule(
        "NEM_MQTT_CLIENT_ID",
        "1 to 23 characters (the MQTT 3.1.1 limit every broker accepts)",
        lambda v: isinstance(v, str) and 0 < len(v) <= 23,
    ),
    SettingRule(
        "NEM_MQTT_TOPIC_PREFIX",
        "a topic level without +, # or a leading/trailing /",
        lambda v: isinstance(v, str) and bool(v.strip("/")) and not set(v) & {"+", "#"},
    ),
    SettingRule(
        "NEM_MQTT_DISCOVERY_PREFIX",
        "a topic level without +, # or a leading/trailing /",
        lambda v: isinstance(v, str) and bool(v.strip("/")) and not set(v) & {"+", "#"},
    ),
    number("NEM_MQTT_POLL_SECONDS", above=0, maximum=60),
    number("NEM_MQTT_RECONCILE_SECONDS", minimum=0, maximum=3600),
    url("NEM_PUBLIC_URL", ("http", "https")),
    number("NEM_ALERT_MAX_AGE", minimum=60, integer=True),
    number("NEM_ALERT_RETRY_BASE_SECONDS", above=0),
    number("NEM_ALERT_RETRY_MAX_SECONDS", above=0),
    number("NEM_ALERT_HTTP_TIMEOUT_SECONDS", above=0, maximum=120),
]


def check_alert_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = rule_errors(ALERT_SETTING_RULES, id_prefix="alerts")
    if settings.NEM_ALERT_RETRY_MAX_SECONDS < settings.NEM_ALERT_RETRY_BASE_SECONDS:
        errors.append(
            checks.Error(
                "NEM_ALERT_RETRY_MAX_SECONDS is below NEM_ALERT_RETRY_BASE_SECONDS.",
                hint="The cap must be at least the first step.",
                id="alerts.E100",
            )
        )
    return errors

from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "tenant_apps.configuration"
    label = "configuration"
    verbose_name = "Configuration"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationConfig(AppConfig):
    name = "integration"
    verbose_name = _("系统集成")

    def ready(self):
        from integration import registry

        registry.discover()

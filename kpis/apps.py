from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = _("指标与看板")

    def ready(self):
        from kpis import registry

        registry.discover()

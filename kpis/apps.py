from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_definitions(sender, **kwargs) -> None:
    from kpis.engine import sync_definitions

    sync_definitions()


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = _("KPIs and dashboard")

    def ready(self):
        from kpis import registry

        registry.discover()
        # Mirror the registry into KpiDefinition rows once the tables exist.
        post_migrate.connect(_sync_definitions, sender=self, dispatch_uid="kpis-sync-definitions")

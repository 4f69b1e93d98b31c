from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class QcPortalConfig(AppConfig):
    name = "qc_portal"
    verbose_name = _("Organisation and audit")

    def ready(self):
        from qc_portal.roles import sync_group_permissions

        post_migrate.connect(sync_group_permissions, dispatch_uid="qc_portal.group_permissions")

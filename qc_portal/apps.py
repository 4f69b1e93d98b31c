from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class QcPortalConfig(AppConfig):
    name = "qc_portal"
    verbose_name = _("Organisation and audit")

    def ready(self):
        from django.contrib.auth import signals as auth_signals

        from qc_portal import audit
        from qc_portal.middleware import mark_session_started
        from qc_portal.roles import sync_group_permissions

        post_migrate.connect(sync_group_permissions, dispatch_uid="qc_portal.group_permissions")
        auth_signals.user_logged_in.connect(
            audit.record_sign_in, dispatch_uid="qc_portal.signed_in"
        )
        auth_signals.user_logged_out.connect(
            audit.record_sign_out, dispatch_uid="qc_portal.signed_out"
        )
        auth_signals.user_login_failed.connect(
            audit.record_failed_sign_in, dispatch_uid="qc_portal.sign_in_failed"
        )
        auth_signals.user_logged_in.connect(
            mark_session_started, dispatch_uid="qc_portal.session_started"
        )
        from axes.signals import user_locked_out

        user_locked_out.connect(audit.record_locked_out, dispatch_uid="qc_portal.locked_out")
        from qc_portal import checks  # noqa: F401 - registers the deploy checks

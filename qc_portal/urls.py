from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from qc_portal import auth_views, views
from qc_portal.api.views import AuditEventListApi, CurrentUserRetrieveApi, TokenObtainApi

MEASURE_APPS = [
    "services",
    "transparency",
    "credit",
    "integration",
    "training",
    "assistant",
    "kpis",
]

api_v1 = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("me/", CurrentUserRetrieveApi.as_view(), name="api-me"),
    path("audit/events/", AuditEventListApi.as_view(), name="api-audit-events"),
    *[path("", include(f"{app}.api_urls")) for app in MEASURE_APPS],
]

urlpatterns = [
    path("", views.home, name="home"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/handle/", views.alert_handle, name="alert-handle"),
    path("audit/", views.audit_trail, name="audit"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/2fa/", auth_views.two_factor_setup, name="two-factor-setup"),
    path("accounts/2fa/verify/", auth_views.two_factor_verify, name="two-factor-verify"),
    path(
        "accounts/2fa/recovery-codes/",
        auth_views.recovery_codes_regenerate,
        name="two-factor-recovery-codes",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # One way in for everyone: the portal's sign-in (lock-out, second factor), not the admin's.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="admin-login",
    ),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *[path("", include(f"{app}.urls")) for app in MEASURE_APPS],
]

handler403 = "qc_portal.views.error_403"
handler404 = "qc_portal.views.error_404"
handler500 = "qc_portal.views.error_500"

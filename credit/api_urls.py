from django.urls import path

from credit import api

urlpatterns = [
    path(
        "credit/applications/", api.ApplicationListCreateApi.as_view(), name="credit-applications"
    ),
    path(
        "credit/applications/<int:pk>/",
        api.ApplicationDetailApi.as_view(),
        name="credit-application",
    ),
    path(
        "credit/applications/<int:pk>/decisions/",
        api.ApplicationDecisionCreateApi.as_view(),
        name="credit-application-decisions",
    ),
    path(
        "credit/applications/<int:pk>/resubmit/",
        api.ApplicationResubmitApi.as_view(),
        name="credit-application-resubmit",
    ),
]

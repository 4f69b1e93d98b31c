from django.urls import path

from transparency import api

urlpatterns = [
    path("track/<str:reference>/", api.TrackApi.as_view(), name="transparency-api-track"),
    path("me/cases/", api.MyCaseListApi.as_view(), name="transparency-api-my-cases"),
    path(
        "me/cases/<str:reference>/",
        api.MyCaseDetailApi.as_view(),
        name="transparency-api-my-case",
    ),
]

from django.urls import path

from services import api

urlpatterns = [
    path(
        "services/staffing/erlang-c/", api.ErlangCCalculateApi.as_view(), name="services-erlang-c"
    ),
    path(
        "services/branches/<str:code>/queue/",
        api.LiveQueueRetrieveApi.as_view(),
        name="services-live-queue",
    ),
    path("services/feedback/", api.FeedbackCreateApi.as_view(), name="services-feedback"),
    path("services/me/records/", api.MyServiceListApi.as_view(), name="services-my-records"),
]

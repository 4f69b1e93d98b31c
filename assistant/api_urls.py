from django.urls import path

from assistant import api

urlpatterns = [
    path("assistant/chat/", api.ChatAskApi.as_view(), name="assistant-api-chat"),
    path(
        "assistant/chat/<uuid:session>/",
        api.ChatSessionDetailApi.as_view(),
        name="assistant-api-session",
    ),
    path(
        "assistant/chat/<uuid:session>/feedback/",
        api.ChatFeedbackApi.as_view(),
        name="assistant-api-feedback",
    ),
]

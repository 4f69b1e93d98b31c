from django.urls import path

from training import api

urlpatterns = [
    path("training/me/", api.MyTrainingApi.as_view(), name="training-me"),
    path(
        "training/sessions/<int:pk>/enrollments/",
        api.SessionEnrollApi.as_view(),
        name="training-enroll",
    ),
    path("training/coverage/", api.CoverageApi.as_view(), name="training-coverage"),
    path(
        "training/surveys/<int:pk>/answers/",
        api.SurveyAnswerApi.as_view(),
        name="training-survey-answers",
    ),
]

from django.urls import path

from integration import views

app_name = "integration"
urlpatterns = [
    path("integration/", views.health, name="health"),
    path("integration/sources/new/", views.source_create, name="source-create"),
    path("integration/sources/<slug:code>/", views.source_detail, name="source-detail"),
    path("integration/sources/<slug:code>/edit/", views.source_update, name="source-update"),
    path("integration/sources/<slug:code>/rotate/", views.source_rotate, name="source-rotate"),
    path("integration/sources/<slug:code>/status/", views.source_status, name="source-status"),
    path(
        "integration/sources/<slug:code>/evaluation/",
        views.source_evaluation,
        name="source-evaluation",
    ),
    path("integration/records/", views.record_list, name="records"),
    path("integration/records/replay/", views.records_replay_all, name="records-replay"),
    path("integration/records/<int:pk>/replay/", views.record_replay, name="record-replay"),
    path("integration/datasets/", views.data_sets, name="datasets"),
    path("integration/datasets/new/", views.data_set_create, name="dataset-create"),
    path(
        "integration/datasets/<slug:code>/sharing/", views.data_set_sharing, name="dataset-sharing"
    ),
]

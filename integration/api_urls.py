from django.urls import path

from integration import api

urlpatterns = [
    path("ingest/batches/<int:batch_id>/", api.IngestBatchDetailApi.as_view(), name="ingest-batch"),
    path("ingest/<slug:record_type>/", api.IngestCreateApi.as_view(), name="ingest"),
    path("datasets/", api.DataSetListApi.as_view(), name="dataset-list"),
    path(
        "datasets/<slug:code>/records/", api.DataSetRecordListApi.as_view(), name="dataset-records"
    ),
]

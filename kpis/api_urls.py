from django.urls import path

from kpis import api

urlpatterns = [
    path("kpis/", api.KpiListApi.as_view(), name="kpi-list"),
    path("kpis/results/", api.KpiResultListApi.as_view(), name="kpi-result-list"),
]

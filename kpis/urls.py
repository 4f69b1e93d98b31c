from django.urls import path

from kpis import views

app_name = "kpis"
urlpatterns = [
    path("dashboard/", views.overview, name="overview"),
    path("dashboard/branches/", views.branch_comparison, name="branches"),
    path("dashboard/kpi/<str:code>/", views.kpi_detail, name="kpi-detail"),
    path("dashboard/plan/", views.plan, name="plan"),
    path("dashboard/plan/steps/<int:pk>/done/", views.plan_step_done, name="plan-step-done"),
    path("dashboard/export.<str:fmt>", views.export, name="export"),
    path("dashboard/report/", views.report, name="report"),
]

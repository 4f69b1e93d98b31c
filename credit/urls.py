from django.urls import path

from credit import views

app_name = "credit"
urlpatterns = [
    path("credit/queue/", views.queue, name="queue"),
    path("credit/applications/", views.application_list, name="applications"),
    path("credit/applications/new/", views.application_submit, name="submit"),
    path("credit/applications/<int:pk>/", views.application_detail, name="application"),
    path("credit/applications/<int:pk>/decide/", views.application_decide, name="decide"),
    path("credit/applications/<int:pk>/resubmit/", views.application_resubmit, name="resubmit"),
    path("credit/loans/", views.loan_list, name="loans"),
    path("credit/loans/<int:pk>/", views.loan_detail, name="loan"),
    path("credit/npl/", views.npl_analysis, name="npl"),
    path("credit/reviews/", views.review, name="reviews"),
    path("credit/policy/", views.policy, name="policy"),
]

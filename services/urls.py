from django.urls import path

from services import views

app_name = "services"
urlpatterns = [
    path("services/board/", views.board, name="board"),
    path("services/board/live/", views.board_live, name="board-live"),
    path("services/report/", views.report, name="report"),
    path("services/staffing/", views.staffing, name="staffing"),
    path("services/staffing/what-if/", views.what_if, name="what-if"),
    path("services/staffing/roster/", views.roster_set, name="roster-set"),
    path("services/standards/", views.standards, name="standards"),
    path("services/console/", views.console, name="console"),
    path("services/console/new/<str:kind>/", views.console_new, name="console-new"),
    path("services/console/<int:pk>/<str:verb>/", views.console_act, name="console-act"),
    path("services/rate/", views.rate, name="rate"),
    path("services/rate/<int:pk>/", views.rate_submit, name="rate-submit"),
]

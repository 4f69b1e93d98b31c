from django.urls import path

from transparency import views

app_name = "transparency"
urlpatterns = [
    # Public (no login): DESIGN.md §6 names /track/.
    path("track/", views.track, name="track"),
    path("transparency/manuals/", views.manual_index, name="manuals"),
    path("transparency/manuals/<slug:business_type>/", views.manual_page, name="manual"),
    path(
        "transparency/manuals/<slug:business_type>/publish/",
        views.manual_publish,
        name="manual-publish",
    ),
    # Customers
    path("transparency/my/", views.my_cases, name="my-cases"),
    path("transparency/my/<str:reference>/", views.my_case, name="my-case"),
    # Staff
    path("transparency/cases/", views.case_list, name="cases"),
    path("transparency/cases/new/", views.case_new, name="case-new"),
    path("transparency/cases/<str:reference>/", views.case_detail, name="case-detail"),
    path("transparency/cases/<str:reference>/act/", views.case_act, name="case-act"),
    path("transparency/inquiries/new/", views.inquiry_new, name="inquiry-new"),
    path("transparency/overdue/", views.overdue_board, name="overdue"),
]

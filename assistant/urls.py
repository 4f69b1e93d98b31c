from django.urls import path

from assistant import views

app_name = "assistant"
urlpatterns = [
    path("assistant/", views.chat, name="chat"),
    path("assistant/ask/", views.ask, name="ask"),
    path("assistant/end/", views.end, name="end"),
    path("assistant/chat/<uuid:session>/<int:position>/feedback/", views.feedback, name="feedback"),
    path("assistant/handovers/", views.handovers, name="handovers"),
    path("assistant/handovers/<uuid:session>/", views.handover_detail, name="handover"),
    path("assistant/curation/", views.curation, name="curation"),
    path("assistant/faq/", views.faq_list, name="faq"),
    path("assistant/faq/new/", views.faq_edit, name="faq-new"),
    path("assistant/faq/<slug:key>/", views.faq_edit, name="faq-edit"),
    path("assistant/faq/<slug:key>/retire/", views.faq_retire, name="faq-retire"),
]

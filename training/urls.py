from django.urls import path

from training import views

app_name = "training"
urlpatterns = [
    path("training/plan/", views.plan, name="plan"),
    path("training/plan/propose/", views.plan_propose, name="plan-propose"),
    path("training/plan/<int:pk>/publish/", views.plan_publish, name="plan-publish"),
    path("training/sessions/new/", views.session_create, name="session-create"),
    path("training/sessions/<int:pk>/", views.session_detail, name="session"),
    path("training/sessions/<int:pk>/enroll/", views.session_enroll, name="session-enroll"),
    path("training/coverage/", views.coverage, name="coverage"),
    path("training/courses/", views.course_list, name="courses"),
    path("training/courses/<int:pk>/", views.course_detail, name="course"),
    path("training/courses/<int:pk>/report/", views.course_report, name="course-report"),
    path("training/courses/<int:pk>/requirements/", views.requirement_add, name="requirement-add"),
    path("training/courses/<int:pk>/questions/", views.question_add, name="question-add"),
    path("training/requirements/<int:pk>/end/", views.requirement_end, name="requirement-end"),
    path("training/my/", views.my_training, name="my"),
    path("training/enrollments/<int:pk>/withdraw/", views.enrollment_withdraw, name="withdraw"),
    path("training/enrollments/<int:pk>/quiz/", views.quiz, name="quiz"),
    path("training/enrollments/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("training/surveys/", views.survey_list, name="surveys"),
    path("training/surveys/<int:pk>/", views.survey_answer, name="survey"),
    path("training/surveys/<int:pk>/results/", views.survey_results, name="survey-results"),
    path("training/employees/", views.employees, name="employees"),
    path("training/ideas/", views.ideas, name="ideas"),
    path("training/ideas/<int:pk>/support/", views.idea_support, name="idea-support"),
    path("training/ideas/<int:pk>/review/", views.idea_review, name="idea-review"),
]

from django.urls import path

from khata.production import brief_views

app_name = "briefs"
urlpatterns = [
    path("templates/", brief_views.template_list, name="templates"),
    path("templates/new/", brief_views.template_create, name="template_create"),
    path("templates/<int:pk>/", brief_views.template_detail, name="template"),
    path("templates/<int:pk>/questions/", brief_views.question_add, name="question_add"),
    path("questions/<int:pk>/", brief_views.question_edit, name="question_edit"),
    path("questions/<int:pk>/remove/", brief_views.question_remove, name="question_remove"),
    path("questions/<int:pk>/move/", brief_views.question_move, name="question_move"),
    path("project/<int:project_pk>/send/", brief_views.brief_send, name="send"),
    path("<int:pk>/", brief_views.brief_detail, name="detail"),
    path("<int:pk>/files/<int:answer_pk>/", brief_views.answer_file, name="file"),
]

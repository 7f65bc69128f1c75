from django.urls import path

from khata.production import views

app_name = "production"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("mine/", views.mine, name="mine"),
    path("project/<int:project_pk>/", views.project_board, name="project"),
    path("project/<int:project_pk>/from-plan/", views.tasks_from_plan, name="from_plan"),
    path("<int:pk>/", views.task_detail, name="task"),
    path("<int:pk>/comment/", views.task_comment, name="comment"),
    path("<int:pk>/files/", views.task_attach, name="attach"),
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/move/", views.task_move, name="move"),
    path("<int:pk>/time/", views.task_time, name="time"),
    path("<int:pk>/assign/", views.task_assign, name="assign"),
    path("<int:pk>/assign/menu/", views.task_assign_menu, name="assign_menu"),
    path("<int:pk>/block/form/", views.task_block_form, name="block_form"),
    path("<int:pk>/time/form/", views.task_time_form, name="time_form"),
    path("<int:pk>/visibility/", views.task_visibility, name="visibility"),
]

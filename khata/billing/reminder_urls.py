"""Reminder levels, a client's billing settings and promises to pay, under ``/billing/``."""

from django.urls import URLPattern, path

from khata.billing import reminder_views as views

urlpatterns: list[URLPattern] = [
    path("reminders/", views.reminder_levels, name="reminder_levels"),
    path("reminders/<int:pk>/", views.reminder_level_edit, name="reminder_level_edit"),
    path("clients/<int:client_pk>/", views.client_settings, name="client_settings"),
    path("<int:pk>/promises/", views.promise_add, name="promise_add"),
    path("promises/<int:pk>/cancel/", views.promise_cancel, name="promise_cancel"),
]

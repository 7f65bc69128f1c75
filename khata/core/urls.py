from django.urls import path

from khata.core import agency_views

app_name = "settings"
urlpatterns = [
    path("agency/", agency_views.agency_settings, name="agency"),
    path("agency/holidays/", agency_views.agency_holiday_add, name="agency_holiday_add"),
    path(
        "agency/holidays/<int:pk>/remove/", agency_views.agency_holiday_remove, name="agency_holiday_remove"
    ),
    path("agency/logo/", agency_views.agency_logo, name="agency_logo"),
    path("agency/preview.pdf", agency_views.letterhead_preview, name="letterhead_preview"),
]

from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView

from khata.care import survey_views
from khata.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static_url("khata/favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("khata.api.urls")),
    path("portal/", include("khata.portal.urls")),
    path("clients/", include("khata.clients.urls")),
    path("projects/", include("khata.plans.urls")),
    path("people/", include("khata.people.urls")),
    path("settings/", include("khata.core.urls")),
    path("tasks/", include("khata.production.urls")),
    path("briefs/", include("khata.production.brief_urls")),
    path("reports/", include("khata.production.report_urls")),
    path("documents/", include("khata.documents.urls")),
    path("billing/", include("khata.billing.urls")),
    path("care/", include("khata.care.urls")),
    path("s/<str:token>/", survey_views.survey_public, name="survey_answer"),
    path("", include("khata.insights.urls")),
]

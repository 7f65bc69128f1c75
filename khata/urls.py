from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from khata.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("khata.api.urls")),
    path("portal/", include("khata.portal.urls")),
    path("clients/", include("khata.clients.urls")),
    path("people/", include("khata.people.urls")),
    path("", include("khata.insights.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

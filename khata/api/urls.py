"""The REST API, version 1: ``/api/v1/``; its OpenAPI schema and docs beside it."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from khata.api import billing, care, documents, health, plans, production, reports, views

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("clients", views.ClientViewSet, basename="client")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("interactions", views.InteractionViewSet, basename="interaction")
router.register("events", views.EventViewSet, basename="event")
router.register("projects", plans.ProjectViewSet, basename="project")
router.register("plan-versions", plans.PlanVersionViewSet, basename="planversion")
router.register("plan-items", plans.PlanItemViewSet, basename="planitem")
router.register("tasks", production.TaskViewSet, basename="task")
router.register("time-logs", production.TimeLogViewSet, basename="timelog")
router.register("briefs", production.BriefViewSet, basename="brief")
router.register("brief-templates", production.BriefTemplateViewSet, basename="brieftemplate")
router.register("status-reports", reports.StatusReportViewSet, basename="statusreport")
router.register("documents", documents.DocumentViewSet, basename="document")
router.register("act-lines", documents.ActLineViewSet, basename="actline")
router.register("document-files", documents.DocumentFileViewSet, basename="documentfile")
router.register("document-kinds", documents.DocumentKindViewSet, basename="documentkind")
router.register("invoices", billing.InvoiceViewSet, basename="invoice")
router.register("invoice-lines", billing.InvoiceLineViewSet, basename="invoiceline")
router.register("payments", billing.PaymentViewSet, basename="payment")
router.register("health", health.ClientHealthViewSet, basename="health")

router.register("claims", care.ClaimViewSet, basename="claim")
router.register("corrective-actions", care.CorrectiveActionViewSet, basename="correctiveaction")
router.register("goodwill", care.GoodwillViewSet, basename="goodwill")
router.register("surveys", care.SurveyViewSet, basename="survey")
router.register("survey-answers", care.SurveyAnswerViewSet, basename="surveyanswer")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
    path("aging/", billing.AgingView.as_view(), name="aging"),
    path("dso/", billing.DsoView.as_view(), name="dso"),
    path("on-time-rate/", billing.OnTimeRateView.as_view(), name="on-time-rate"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.ApiDocsView.as_view(url_name="api:schema"), name="docs"),
]

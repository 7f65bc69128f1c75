from django.urls import path

from khata.portal import briefs, claims, document_pdf, documents, invoices, reports, surveys, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("preview/<int:contact_pk>/", views.preview, name="preview"),
    path("projects/", views.projects, name="projects"),
    path("projects/<int:project_pk>/", views.project, name="project"),
    path("plans/<int:planversion_pk>/", views.plan, name="plan"),
    path("plans/<int:planversion_pk>/request/", views.plan_request, name="plan_request"),
    path("plans/<int:planversion_pk>/approve/", views.plan_approve_client, name="plan_approve"),
    path("plans/items/<int:planitem_pk>/answer/", views.plan_item_decide, name="plan_item_decide"),
    path("reports/<int:statusreport_pk>/", reports.report, name="report"),
    path("briefs/<int:brief_pk>/", briefs.brief, name="brief"),
    path("briefs/<int:brief_pk>/hand-in/", briefs.brief_hand_in, name="brief_submit"),
    path("briefs/<int:brief_pk>/files/<int:answer_pk>/", briefs.brief_file, name="brief_file"),
    path("documents/<int:document_pk>/pdf/", document_pdf.document_pdf, name="document_pdf"),
    path("documents/", documents.document_list, name="documents"),
    path("documents/<int:document_pk>/", documents.document, name="document"),
    path("documents/<int:document_pk>/accept/", documents.document_accept_view, name="document_accept"),
    path("documents/<int:document_pk>/dispute/", documents.document_dispute_view, name="document_dispute"),
    path("documents/files/<int:documentfile_pk>/", documents.document_file, name="document_file"),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/<int:invoice_pk>/", invoices.invoice, name="invoice"),
    path("invoices/<int:invoice_pk>/pdf/", invoices.invoice_pdf_download, name="invoice_pdf"),
    path("invoices/<int:invoice_pk>/facturx/", invoices.invoice_facturx_download, name="invoice_facturx"),
    path("invoices/<int:invoice_pk>/ubl/", invoices.invoice_ubl_download, name="invoice_ubl"),
    path("surveys/", surveys.survey_list, name="surveys"),
    path("surveys/<int:survey_pk>/", surveys.survey, name="survey"),
    path("claims/", claims.claim_list, name="claims"),
    path("claims/new/", claims.claim_new, name="claim_new"),
    path("claims/<int:claim_pk>/", claims.claim, name="claim"),
    path("claims/<int:claim_pk>/confirm/", claims.claim_confirm_view, name="claim_confirm"),
    path("claims/<int:claim_pk>/reopen/", claims.claim_reopen_view, name="claim_reopen"),
    path("claims/files/<int:claimattachment_pk>/", claims.claim_attachment, name="claim_file"),
]

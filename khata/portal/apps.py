from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "khata.portal"
    label = "portal"
    verbose_name = "Client portal"

    def ready(self) -> None:
        from khata.portal.selectors import register_sections

        register_sections()
        from khata.portal.documents import register_document_boards

        register_document_boards()
        from khata.portal.invoices import register_invoice_boards

        register_invoice_boards()
        from khata.portal.surveys import register_survey_boards

        register_survey_boards()
        from khata.portal.claims import register_claim_boards

        register_claim_boards()

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "khata.billing"
    label = "billing"
    verbose_name = "Billing"

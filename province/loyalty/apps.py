from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "province.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty points")

    def ready(self):
        # Points move with a customer merge through the customers app's handler registry
        # (the customers app does not know the loyalty app).
        from province.customers.merging import register_merge_handler
        from province.loyalty.merging import POINTS_MERGE_HANDLER

        register_merge_handler(POINTS_MERGE_HANDLER)

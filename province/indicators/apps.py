from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvinceIndicatorsConfig(AppConfig):
    name = "province.indicators"
    label = "province_indicators"
    verbose_name = _("Indicators")

    def ready(self):
        from province.indicators import handlers  # noqa: F401  (registers the sync handlers)
        from province.indicators.services import computed_months, publish_months
        from sync.registry import register_snapshot

        # A full resync re-publishes every stored month (appendix 1, issue 5 item 6).
        register_snapshot("indicators.snapshot", keys=computed_months, publish=publish_months)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvinceIndicatorsConfig(AppConfig):
    name = "province.indicators"
    label = "province_indicators"
    verbose_name = _("Indicators")

    def ready(self):
        from province.indicators import handlers  # noqa: F401  (registers the sync handlers)

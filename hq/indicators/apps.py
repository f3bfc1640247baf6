from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "hq.indicators"
    label = "indicators"
    verbose_name = _("Indicators")

    def ready(self):
        from hq.indicators import handlers  # noqa: F401  (registers the sync handlers)

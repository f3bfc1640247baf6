from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RedemptionConfig(AppConfig):
    name = "hq.redemption"
    label = "hqredemption"
    verbose_name = _("National redemption")

    def ready(self):
        from hq.redemption import handlers  # noqa: F401  (registers the sync handlers)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalConfig(AppConfig):
    name = "province.national"
    label = "national"
    verbose_name = _("National redemption")

    def ready(self):
        from province.national import handlers  # noqa: F401  (registers the sync handlers)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "hq.federation"
    label = "federation"
    verbose_name = _("Federation")

    def ready(self):
        from hq.federation import handlers  # noqa: F401  (registers the sync handlers)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "hq.console"
    label = "console"
    verbose_name = _("Sync console")

    def ready(self):
        from hq.console import handlers  # noqa: F401  (registers the sync handlers)

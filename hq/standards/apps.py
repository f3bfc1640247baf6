from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HqStandardsConfig(AppConfig):
    name = "hq.standards"
    label = "hqstandards"
    verbose_name = _("National standards")

    def ready(self):
        from hq.standards import handlers  # noqa: F401  (registers the sync handlers)

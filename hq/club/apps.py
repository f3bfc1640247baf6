from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubConfig(AppConfig):
    name = "hq.club"
    label = "hqclub"
    verbose_name = _("National customer club")

    def ready(self):
        from hq.club import handlers  # noqa: F401  (registers the sync handlers)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubConfig(AppConfig):
    name = "province.club"
    label = "club"
    verbose_name = _("Customer club")

    def ready(self):
        from province.club import handlers  # noqa: F401  (registers the sync handlers)

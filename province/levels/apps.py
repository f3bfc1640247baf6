from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LevelsConfig(AppConfig):
    name = "province.levels"
    label = "levels"
    verbose_name = _("Levels")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "province.standards"
    label = "standards"
    verbose_name = _("National standards")

    def ready(self):
        from province.standards import handlers  # noqa: F401  (registers the sync handlers)
        from province.standards.services import publish_reports, reported_kinds
        from sync.registry import register_snapshot

        # A full resync re-reports the version in force of every kind (issue 5 item 6).
        register_snapshot("standards.applied", keys=reported_kinds, publish=publish_reports)

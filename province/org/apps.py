from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "province.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self):
        from province.org.services import publish_org_summary
        from sync.registry import register_snapshot

        # A full resync re-publishes the one org.summary key (issue 5 item 6).
        register_snapshot(
            "org.summary", keys=lambda: ["summary"], publish=lambda keys: publish_org_summary()
        )

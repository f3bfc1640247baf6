from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubConfig(AppConfig):
    name = "province.club"
    label = "club"
    verbose_name = _("Customer club")

    def ready(self):
        from province.club import handlers  # noqa: F401  (registers the sync handlers)
        from province.club.services import member_keys, publish_members
        from sync.registry import register_snapshot

        # A full resync re-publishes the whole roster (issue 5 item 6): without it HQ's
        # roster and member directory could not be rebuilt from the provinces.
        register_snapshot("club.member", keys=member_keys, publish=publish_members)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubConfig(AppConfig):
    name = "province.club"
    label = "club"
    verbose_name = _("Customer club")

    def ready(self):
        from province.club import handlers  # noqa: F401  (registers the sync handlers)
        from province.club.services import member_keys, publish_members, republish_members_of
        from province.customers.changes import CustomerChangeListener, register_change_listener
        from sync.registry import register_snapshot

        # A full resync re-publishes the whole roster (issue 5 item 6): without it HQ's
        # roster and member directory could not be rebuilt from the provinces.
        register_snapshot("club.member", keys=member_keys, publish=publish_members)
        # A member's masked name and phone, phone key and level live in HQ's roster and
        # directory too: re-publish the row when they change (or a merge moves the card).
        register_change_listener(
            CustomerChangeListener(
                fields=frozenset({"name", "phone", "level"}), on_change=republish_members_of
            )
        )

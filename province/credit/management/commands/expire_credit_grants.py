"""``manage.py expire_credit_grants --all``: end temporary credits and emergency reconnections
that are past their expiry (R2.3.2)."""

from province.credit import services
from sync.commands import ProvinceCommand


class Command(ProvinceCommand):
    help = "Mark expired temporary credits and emergency reconnections."

    def handle_province(self, short, **options):
        counts = services.expire_grants()
        return (
            f"{counts['temporary_credits']} temporary credits, "
            f"{counts['reconnections']} reconnections expired"
        )

"""``manage.py add_province``: add one more provincial tenant (e.g. a test region)."""

import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenants.models import Tenant
from tenants.provinces import Province
from tenants.provisioning import ensure_province


class Command(BaseCommand):
    help = "Add (or correct) one provincial tenant, cloned from the province template."

    def add_arguments(self, parser):
        parser.add_argument("short", help="Schema and host label, e.g. 'xa'.")
        parser.add_argument("code", help="Region code, e.g. '99'.")
        parser.add_argument("name_zh")
        parser.add_argument("name_en")
        parser.add_argument("--base-domain", default=settings.BASE_DOMAIN)

    def handle(self, short, code, name_zh, name_en, base_domain, **options):
        if not re.fullmatch(r"[a-z][a-z0-9]{1,15}", short):
            raise CommandError("short must be 2-16 lower-case letters or digits, letter first.")
        if short.startswith("template") or short in {"public", "hq"}:
            raise CommandError(f"'{short}' is reserved.")
        if not re.fullmatch(r"\d{2,6}", code):
            raise CommandError("code must be 2-6 digits.")
        clash = Tenant.objects.filter(code=code, type="province", is_template=False)
        if clash.exclude(schema_name=short).exists():
            raise CommandError(f"Code {code} is already used by another province.")
        result = ensure_province(Province(short, code, name_zh, name_en), base_domain)
        self.stdout.write(self.style.SUCCESS(f"{result.schema_name}: {result.action}"))

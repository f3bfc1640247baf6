"""``manage.py seed_hq_demo``: the HQ demo sign-ins (hqadmin, analyst)."""

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import tenant_context

from shared.accounts.models import User
from shared.accounts.services import set_roles
from sync import directory

DEMO_PASSWORD = "demo-2026"
DEMO_LOGINS = {"hqadmin": ("hq_admin", "总部管理员"), "analyst": ("hq_analyst", "总部分析师")}


class Command(BaseCommand):
    help = "Create the HQ demo sign-ins."

    def handle(self, *args, **options):
        password_hash = make_password(DEMO_PASSWORD)
        with tenant_context(directory.tenant_for("hq")), transaction.atomic():
            for username, (role, name) in DEMO_LOGINS.items():
                user, created = User.objects.get_or_create(
                    username=username, defaults={"display_name": name, "password": password_hash}
                )
                set_roles(user, [role])
                self.stdout.write(f"{username}: {'created' if created else 'exists'}")

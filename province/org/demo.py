"""Demo data of one province: an org tree, staff, and one sign-in per role (make run).

Everything goes through the services, so the demo exercises the same rules (and sends the
same sync messages) as real use. Deterministic per province: the same seed gives the same
people.
"""

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from faker import Faker

from province.org import services
from province.org.choices import OrgUnitKind
from province.org.models import OrgUnit, Staff
from shared.accounts.models import User

DEMO_PASSWORD = "demo-2026"

# Demo sign-ins: username → (role, job title).
DEMO_LOGINS = {
    "admin": ("province_admin", "系统管理员"),
    "supervisor": ("supervisor", "大客户部主管"),
    "manager": ("account_manager", "客户经理"),
    "agent": ("service_agent", "客服代表"),
    "channel": ("channel_manager", "渠道经理"),
    "marketing": ("marketing", "市场专员"),
    "auditor": ("read_only", "审计员"),
}


@transaction.atomic
def seed_province(cities: int = 3, teams_per_city: int = 3, staff_per_team: int = 6) -> int:
    """Create the demo organisation unless the province already has one; return staff added."""
    if OrgUnit.objects.exists():
        return 0
    tenant = connection.tenant
    fake = Faker("zh_CN")
    fake.seed_instance(int(getattr(tenant, "code", "0") or 0))
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: Argon2 is slow on purpose

    root = services.create_org_unit(
        name=f"{tenant.name_zh}分公司", code=f"{tenant.schema_name}-root", kind=OrgUnitKind.PROVINCE
    )
    hq_team = services.create_org_unit(
        name="大客户部", code=f"{tenant.schema_name}-kad", kind=OrgUnitKind.TEAM, parent=root
    )
    teams = [hq_team]
    city_names = []
    while len(city_names) < cities:
        name = fake.city_name()
        if name not in city_names:
            city_names.append(name)
    for c, city_name in enumerate(city_names, start=1):
        city = services.create_org_unit(
            name=f"{city_name}分公司",
            code=f"{tenant.schema_name}-c{c}",
            kind=OrgUnitKind.CITY,
            parent=root,
        )
        for t in range(1, teams_per_city + 1):
            teams.append(
                services.create_org_unit(
                    name=f"政企客户{t}组",
                    code=f"{tenant.schema_name}-c{c}t{t}",
                    kind=OrgUnitKind.TEAM,
                    parent=city,
                )
            )

    created = 0
    for username, (role, title) in DEMO_LOGINS.items():
        unit = hq_team if role in {"province_admin", "read_only"} else teams[1]
        staff = _create(fake, username, unit, [role], title, len(Staff.objects.all()) + 1)
        User.objects.filter(pk=staff.user_id).update(password=password_hash)
        created += 1
    number = created
    for team in teams[1:]:
        for _ in range(staff_per_team):
            number += 1
            _create(fake, f"u{number:05d}", team, ["account_manager"], "客户经理", number)
            created += 1
    return created


def _create(fake, username, unit, roles, title, number) -> Staff:
    return services.create_staff(
        username=username,
        password=None,
        name=fake.name(),
        employee_no=f"E{number:05d}",
        org_unit=unit,
        roles=roles,
        title=title,
        mobile=fake.phone_number(),
    )

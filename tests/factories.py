"""Scenario builders (django-oscar style): whole org trees with staff and roles.

Built through the services, so the test data obeys the same rules as real data. Call them
inside a tenant's schema (``in_tenant`` or the ``bj``/``sh`` fixtures).
"""

import itertools
from dataclasses import dataclass

from province.org import services
from province.org.choices import OrgUnitKind
from province.org.models import OrgUnit, Staff
from shared.accounts.models import User
from shared.accounts.services import set_roles

_numbers = itertools.count(1)
PASSWORD = "Correct-Horse-42"


def next_number() -> int:
    return next(_numbers)


def make_unit(name=None, kind=OrgUnitKind.TEAM, parent=None, **kwargs) -> OrgUnit:
    n = next_number()
    return services.create_org_unit(
        name=name or f"Unit {n}",
        code=kwargs.pop("code", f"U{n:05d}"),
        kind=kind,
        parent=parent,
        **kwargs,
    )


def make_staff(unit, roles=("account_manager",), *, password=None, **kwargs) -> Staff:
    n = next_number()
    defaults = {
        "username": f"user{n}",
        "name": f"Staff {n}",
        "employee_no": f"T{n:05d}",
        "mobile": "13800138000",
    }
    defaults.update(kwargs)
    return services.create_staff(password=password, org_unit=unit, roles=list(roles), **defaults)


def make_user(roles=(), **kwargs) -> User:
    n = next_number()
    user = User.objects.create_user(username=kwargs.pop("username", f"hquser{n}"), **kwargs)
    set_roles(user, list(roles))
    return user


@dataclass
class Org:
    """A small province: root → two cities → a team each, plus people in every role."""

    root: OrgUnit
    city_a: OrgUnit
    city_b: OrgUnit
    team_a: OrgUnit
    team_b: OrgUnit
    admin: Staff
    supervisor_a: Staff
    manager_a: Staff
    manager_b: Staff
    agent_a: Staff
    auditor: Staff


def make_org() -> Org:
    root = make_unit("Province", OrgUnitKind.PROVINCE)
    city_a = make_unit("City A", OrgUnitKind.CITY, root)
    city_b = make_unit("City B", OrgUnitKind.CITY, root)
    team_a = make_unit("Team A", OrgUnitKind.TEAM, city_a)
    team_b = make_unit("Team B", OrgUnitKind.TEAM, city_b)
    return Org(
        root=root,
        city_a=city_a,
        city_b=city_b,
        team_a=team_a,
        team_b=team_b,
        admin=make_staff(root, ["province_admin"]),
        supervisor_a=make_staff(city_a, ["supervisor"]),
        manager_a=make_staff(team_a, ["account_manager"]),
        manager_b=make_staff(team_b, ["account_manager"]),
        agent_a=make_staff(team_a, ["service_agent"]),
        auditor=make_staff(root, ["read_only"]),
    )

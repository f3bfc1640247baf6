"""National redemption scenario shared by the saga tests (R6.5.3): a bj club member with
2,000 points, a national catalogue published by HQ, and a desk in sh."""

from dataclasses import dataclass

from province.club import services as club_services
from province.club.models import ClubMembership
from province.loyalty import ledger
from tests.club_scenario import define_and_publish_club, make_member_candidate, relay
from tests.conftest import in_tenant
from tests.factories import make_org


@dataclass
class Visit:
    member: ClubMembership
    desk: object
    sh_org: object
    hq_admin: object


def publish_national_catalog(admin) -> None:
    from hq.redemption import services

    with in_tenant("hq"):
        services.save_item(
            actor=admin,
            code="umbrella",
            name_zh="雨伞",
            name_en="Umbrella",
            kind="gift",
            points_price=500,
            unit_cost="35.00",
        )
        services.publish_catalog(actor=admin)
    relay("hq")


def bj_member_visiting_sh(points: int = 2000) -> Visit:
    admin = define_and_publish_club()
    publish_national_catalog(admin)
    with in_tenant("bj"):
        org = make_org()
        customer = make_member_candidate(org.manager_a, name="张三丰", phone="13912345678")
        (member,) = club_services.enrol([customer], actor=org.admin.user)
        ledger.credit(customer, points, kind="earn", idempotency_key=f"test:{customer.pk}")
    relay("bj")
    with in_tenant("sh"):
        sh_org = make_org()
    return Visit(member=member, desk=sh_org.agent_a, sh_org=sh_org, hq_admin=admin)

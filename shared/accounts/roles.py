"""Roles as groups with permissions, per tenant type (R9.2, DESIGN.md §3).

The group name is the role's stable code; the label is what people read. ``sync_roles``
makes each tenant's groups match this table exactly; it runs after every migration of a
tenant schema, so templates (and the tenants cloned from them) always carry current roles.
"""

from dataclasses import dataclass

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS, connection, router
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    tenant_type: str
    permissions: tuple[str, ...]  # "app_label.codename"


def _crud(*models: str, actions=("view", "add", "change", "delete")) -> tuple[str, ...]:
    result = []
    for model in models:
        app_label, model_name = model.split(".")
        result += [f"{app_label}.{action}_{model_name}" for action in actions]
    return tuple(result)


VIEW_ALL = ("accounts.view_all_records",)
UNMASK = ("accounts.unmask_personal_data",)
ORG_READ = _crud("org.orgunit", "org.staff", actions=("view",))
CUSTOMER_PARTS = (
    "customers.customer",
    "customers.contact",
    "customers.billingaccount",
    "customers.productinstance",
    "customers.bill",
    "customers.payment",
    "products.product",
)
CUSTOMER_READ = _crud(*CUSTOMER_PARTS, "analysis.satisfactionscore", actions=("view",))
SATISFACTION_IMPORT = _crud("analysis.satisfactionscore", actions=("add",))
LEVELS_READ = _crud(
    "levels.levelstandard",
    "levels.regradingrun",
    "levels.levelproposal",
    "levels.levelchange",
    "levels.membershipcard",
    actions=("view",),
)
CREDIT_READ = _crud(
    "credit.creditpolicy",
    "credit.creditassessment",
    "credit.creditchange",
    "credit.creditchangerequest",
    "credit.temporarycredit",
    "credit.emergencyreconnection",
    actions=("view",),
) + ("credit.view_arrears_warnings",)
CREDIT_REQUEST = ("credit.add_creditchangerequest",)
CREDIT_APPROVE = ("credit.approve_creditchangerequest",)
CREDIT_RELIEF = _crud(
    "credit.temporarycredit", "credit.emergencyreconnection", actions=("add", "change")
)
CREDIT_POLICY = _crud("credit.creditpolicy", actions=("add", "change", "delete"))
POINTS_READ = _crud(
    "loyalty.pointsaccount", "loyalty.pointsentry", "loyalty.pointslot", actions=("view",)
)
POINTS_ADMIN = (
    _crud(
        "loyalty.earningrule",
        "loyalty.validitypolicy",
        "loyalty.loyaltysettings",
        actions=("view", "add", "change"),
    )
    + _crud("loyalty.accrualrun", "loyalty.expiryrun", actions=("view", "add"))
    + _crud("loyalty.adjustmentrequest", "loyalty.lotextension", actions=("view",))
    + (
        "loyalty.add_adjustmentrequest",
        "loyalty.approve_adjustmentrequest",
        "loyalty.extend_pointslot",
    )
)
# Redemption (R2.4.4, R2.4.8, R6.5): everyone who sees points sees the catalogue and the
# redemptions; counter staff and account managers redeem; points administrators keep the
# catalogue and the automatic rules; supervisors and points administrators cancel.
REDEMPTION_READ = _crud("loyalty.rewarditem", "loyalty.redemption", actions=("view",))
REDEEM = ("loyalty.add_redemption",)
REDEMPTION_CANCEL = ("loyalty.cancel_redemption",)
REDEMPTION_ADMIN = (
    _crud("loyalty.rewarditem", "loyalty.autoredemptionrule", actions=("view", "add", "change"))
    + _crud("loyalty.autoredemptionrun", actions=("view", "add"))
    + REDEMPTION_CANCEL
)
BLACKLIST_READ = ("customers.view_blacklistentry",)
BLACKLIST_MANAGE = BLACKLIST_READ + ("customers.manage_blacklist",)
# Expiry notices (R2.4.5): read them, mark one's own read.
POINTS_NOTICES = _crud("loyalty.expirynotice", actions=("view", "change"))
# The money value of points (R2.4.9): for those who answer for the province's figures.
POINTS_COST = ("loyalty.view_points_cost",)
LEVELS_DECIDE = (
    "levels.decide_levelproposal",
    "levels.override_level",
    "levels.review_members",
    "levels.add_membershipcard",
    "levels.change_membershipcard",
)
CUSTOMER_EDIT = _crud("customers.customer", "customers.contact", actions=("add", "change"))
UNIT_CUSTOMERS = ("customers.view_unit_customers",)
# HQ's sync console (issue 5 item 6): analysts watch the links, administrators act on them.
SYNC_CONSOLE_READ = ("console.view_sync_console",)
SYNC_CONSOLE_OPERATE = ("console.operate_sync",) + _crud(
    "console.resyncrequest", "console.syncintervention", actions=("view",)
)
# National customer club (R11.1): everyone who sees customers sees the club; desks serve
# members (own and visiting); those who look after customers enrol them and run events.
CLUB_READ = _crud(
    "club.clubrules",
    "club.clubmembership",
    "club.clubactivity",
    "club.benefitusage",
    "club.visitingusage",
    actions=("view",),
)
CLUB_SERVE = ("club.add_benefitusage", "club.add_visitingusage")
CLUB_ENROL = ("club.add_clubmembership", "club.change_clubmembership", "club.add_clubactivity")
CLUB_ALL = CLUB_READ + CLUB_SERVE + CLUB_ENROL
# National redemption (R6.5.3): the desks that serve visiting club members redeem for them;
# the same roles see their own members' redemptions elsewhere (rows scoped by customer).
NATIONAL_REDEEM = _crud(
    "national.nationalitem", "national.nationalhold", actions=("view",)
) + _crud("national.visitingredemption", actions=("view", "add", "change"))
HQ_CLUB_READ = _crud(
    "hqclub.clubtier",
    "hqclub.clubbenefit",
    "hqclub.clubentryrules",
    "hqclub.clubrulesversion",
    "hqclub.clubmember",
    "hqclub.clubusage",
    "hqclub.visitrouting",
    actions=("view",),
)
HQ_CLUB_ADMIN = _crud("hqclub.clubtier", "hqclub.clubbenefit", actions=("add", "change")) + (
    "hqclub.change_clubentryrules",
    "hqclub.add_clubrulesversion",
)
# Summary indicators and targets (appendix 1, R11.2): province-wide figures, so only for the
# roles that see the whole province; administrators also compute and publish them.
INDICATORS_READ = _crud(
    "province_indicators.indicatorvalue",
    "province_indicators.receiveddefinition",
    "province_indicators.provincetarget",
    "province_indicators.unittarget",
    actions=("view",),
)
INDICATORS_COMPUTE = ("province_indicators.compute_indicators",)
# Splitting the province's targets over its org units (R4.2.2).
TARGETS_SPLIT = ("province_indicators.change_unittarget",)
HQ_INDICATORS_READ = _crud(
    "indicators.indicatordefinition",
    "indicators.indicatorfact",
    "indicators.target",
    "indicators.targetassignment",
    actions=("view",),
)
HQ_REDEMPTION_READ = _crud(
    "hqredemption.nationalrewarditem",
    "hqredemption.nationalcatalogversion",
    "hqredemption.nationalredemption",
    actions=("view",),
)
HQ_REDEMPTION_ADMIN = _crud("hqredemption.nationalrewarditem", actions=("add", "change")) + (
    "hqredemption.add_nationalcatalogversion",
)
HQ_INDICATORS_ADMIN = ("indicators.publish_definitions", "indicators.add_target")
# National standards (R11.2): the province sees what it received; HQ analysts read the
# releases and the matrix, administrators edit drafts and publish.
STANDARDS_READ = _crud(
    "standards.receivedrelease",
    "standards.nationalearningrule",
    "standards.servicetimelimit",
    actions=("view",),
)
# The province's own, stricter service SLAs (R11.2 provincial extension).
STANDARDS_EXTEND = ("standards.change_servicetimelimit",)
HQ_STANDARDS_READ = _crud(
    "hqstandards.standarddraft",
    "hqstandards.standardrelease",
    "hqstandards.provincestandard",
    actions=("view",),
)
HQ_STANDARDS_ADMIN = ("hqstandards.change_standarddraft", "hqstandards.publish_standard")

ROLES: tuple[Role, ...] = (
    Role(
        "province_admin",
        _("Province administrator"),
        "province",
        _crud("org.orgunit", "org.staff")
        + VIEW_ALL
        + UNMASK
        + ("accounts.view_user",)
        + CUSTOMER_READ
        + CUSTOMER_EDIT
        + _crud("customers.customer", "customers.contact", actions=("delete",))
        + _crud("products.product", actions=("add", "change", "delete"))
        + SATISFACTION_IMPORT
        + LEVELS_READ
        + LEVELS_DECIDE
        + _crud("levels.levelstandard", actions=("add", "change", "delete"))
        + ("levels.add_regradingrun",)
        + CREDIT_READ
        + CREDIT_REQUEST
        + POINTS_READ
        + _crud("loyalty.adjustmentrequest", actions=("view", "add"))
        + CREDIT_APPROVE
        + CREDIT_RELIEF
        + CREDIT_POLICY
        + POINTS_READ
        + POINTS_ADMIN
        + REDEMPTION_READ
        + REDEEM
        + REDEMPTION_ADMIN
        + BLACKLIST_MANAGE
        + POINTS_NOTICES
        + POINTS_COST
        + CLUB_ALL
        + NATIONAL_REDEEM
        + INDICATORS_READ
        + INDICATORS_COMPUTE
        + TARGETS_SPLIT
        + STANDARDS_READ
        + STANDARDS_EXTEND
        + (
            "customers.transfer_customer",
            "customers.merge_customer",
            "customers.export_customer",
            "customers.import_customer",
        ),
    ),
    Role(
        "supervisor",
        _("Supervisor"),
        "province",
        ORG_READ
        + _crud("org.staff", actions=("add", "change"))
        + UNMASK
        + CUSTOMER_READ
        + CUSTOMER_EDIT
        + UNIT_CUSTOMERS
        + LEVELS_READ
        + LEVELS_DECIDE
        + CREDIT_READ
        + CREDIT_REQUEST
        + POINTS_READ
        + _crud("loyalty.adjustmentrequest", actions=("view", "add"))
        + CREDIT_APPROVE
        + CREDIT_RELIEF
        + POINTS_READ
        + _crud(
            "loyalty.adjustmentrequest",
            "loyalty.accrualrun",
            "loyalty.expiryrun",
            actions=("view",),
        )
        + (
            "loyalty.add_adjustmentrequest",
            "loyalty.approve_adjustmentrequest",
            "loyalty.extend_pointslot",
        )
        + ("customers.transfer_customer", "customers.export_customer")
        + REDEMPTION_READ
        + REDEEM
        + REDEMPTION_CANCEL
        + BLACKLIST_MANAGE
        + POINTS_NOTICES
        + POINTS_COST
        + CLUB_ALL
        + NATIONAL_REDEEM,
    ),
    Role(
        "account_manager",
        _("Account manager"),
        "province",
        ORG_READ
        + CUSTOMER_READ
        + CUSTOMER_EDIT
        + ("customers.export_customer", "levels.add_membershipcard")
        + CREDIT_READ
        + CREDIT_REQUEST
        + POINTS_READ
        + _crud("loyalty.adjustmentrequest", actions=("view", "add"))
        + POINTS_NOTICES
        + _crud(
            "levels.levelstandard",
            "levels.levelproposal",
            "levels.levelchange",
            "levels.membershipcard",
            actions=("view",),
        )
        + REDEMPTION_READ
        + REDEEM
        + BLACKLIST_READ
        + CLUB_ALL
        + NATIONAL_REDEEM,
    ),
    Role(
        "service_agent",
        _("Service agent"),
        "province",
        ORG_READ
        + CUSTOMER_READ
        + UNIT_CUSTOMERS
        + _crud("levels.levelchange", "levels.membershipcard", actions=("view",))
        + ("levels.change_membershipcard",)
        + CREDIT_READ
        + POINTS_READ
        + REDEMPTION_READ
        + REDEEM
        + BLACKLIST_READ
        + CLUB_READ
        + CLUB_SERVE
        + NATIONAL_REDEEM,
    ),
    Role("channel_manager", _("Channel manager"), "province", ORG_READ + CUSTOMER_READ),
    Role(
        "marketing",
        _("Marketing"),
        "province",
        ORG_READ
        + CUSTOMER_READ
        + UNIT_CUSTOMERS
        + SATISFACTION_IMPORT
        + _crud("levels.levelstandard", "levels.levelchange", actions=("view",))
        + ("customers.export_customer",),
    ),
    Role(
        "read_only",
        _("Read-only"),
        "province",
        ORG_READ
        + VIEW_ALL
        + CUSTOMER_READ
        + LEVELS_READ
        + CREDIT_READ
        + POINTS_READ
        + REDEMPTION_READ
        + BLACKLIST_READ
        + POINTS_COST
        + CLUB_READ
        + _crud(
            "national.nationalitem",
            "national.visitingredemption",
            "national.nationalhold",
            actions=("view",),
        )
        + INDICATORS_READ
        + STANDARDS_READ,
    ),
    Role(
        "hq_admin",
        _("HQ administrator"),
        "hq",
        _crud("federation.provincesummary", actions=("view", "change"))
        + VIEW_ALL
        + UNMASK
        + SYNC_CONSOLE_READ
        + SYNC_CONSOLE_OPERATE
        + HQ_CLUB_READ
        + HQ_CLUB_ADMIN
        + HQ_REDEMPTION_READ
        + HQ_REDEMPTION_ADMIN
        + HQ_INDICATORS_READ
        + HQ_INDICATORS_ADMIN
        + HQ_STANDARDS_READ
        + HQ_STANDARDS_ADMIN,
    ),
    Role(
        "hq_analyst",
        _("HQ analyst"),
        "hq",
        _crud("federation.provincesummary", actions=("view",))
        + VIEW_ALL
        + SYNC_CONSOLE_READ
        + HQ_CLUB_READ
        + HQ_REDEMPTION_READ
        + HQ_INDICATORS_READ
        + HQ_STANDARDS_READ,
    ),
)

ROLES_BY_CODE = {role.code: role for role in ROLES}


def roles_for(tenant_type: str) -> list[Role]:
    return [role for role in ROLES if role.tenant_type == tenant_type]


def role_label(code: str) -> str:
    role = ROLES_BY_CODE.get(code)
    return str(role.label) if role else code


def sync_roles(tenant_type: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Make the current schema's groups and their permissions match ``ROLES``."""
    from django.contrib.auth.models import Group, Permission

    for role in roles_for(tenant_type):
        group, _created = Group.objects.using(using).get_or_create(name=role.code)
        wanted = set()
        for name in role.permissions:
            app_label, codename = name.split(".")
            wanted.add((app_label, codename))
        permissions = [
            p
            for p in Permission.objects.using(using).select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing:
            raise LookupError(f"Role {role.code} names unknown permissions: {sorted(missing)}")
        current = set(group.permissions.values_list("pk", flat=True))
        if current != {p.pk for p in permissions}:
            group.permissions.set(permissions)


def sync_roles_after_migrate(sender, app_config, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate hook: once per migration run (on the accounts app's signal)."""
    if app_config.label != "accounts":
        return
    from django.contrib.auth.models import Group

    if not router.allow_migrate_model(using, Group):
        return  # the public schema has no users or groups
    tenant = getattr(connection, "tenant", None)
    tenant_type = tenant.get_tenant_type() if tenant is not None else None
    if tenant_type not in {"hq", "province"}:
        return
    # Permissions of apps later in INSTALLED_APPS are not created yet at this point.
    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    sync_roles(tenant_type, using=using)

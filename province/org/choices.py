from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgUnitKind(models.TextChoices):
    PROVINCE = "province", _("Provincial company")
    CITY = "city", _("City branch")
    DISTRICT = "district", _("District branch")
    TEAM = "team", _("Team")


# Which kinds may sit directly under which (R9.2: province → city → district/team).
ALLOWED_CHILD_KINDS = {
    OrgUnitKind.PROVINCE: {OrgUnitKind.CITY, OrgUnitKind.TEAM},
    OrgUnitKind.CITY: {OrgUnitKind.DISTRICT, OrgUnitKind.TEAM},
    OrgUnitKind.DISTRICT: {OrgUnitKind.TEAM},
    OrgUnitKind.TEAM: set(),
}

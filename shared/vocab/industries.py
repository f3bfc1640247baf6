"""Industry sections of GB/T 4754-2017 (国民经济行业分类), used to classify customers.

``IndustrySection`` holds the 20 top-level sections A-T with English labels; the Chinese
names in ``INDUSTRY_SECTION_ZH`` are the official wording of the standard and serve as
reference data for translators.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndustrySection(models.TextChoices):
    AGRICULTURE = "A", _("Agriculture, forestry, animal husbandry and fishery")
    MINING = "B", _("Mining")
    MANUFACTURING = "C", _("Manufacturing")
    UTILITIES = "D", _("Production and supply of electricity, heat, gas and water")
    CONSTRUCTION = "E", _("Construction")
    WHOLESALE_RETAIL = "F", _("Wholesale and retail trade")
    TRANSPORT = "G", _("Transport, storage and postal services")
    ACCOMMODATION_CATERING = "H", _("Accommodation and catering")
    INFORMATION_TECHNOLOGY = (
        "I",
        _("Information transmission, software and information technology services"),
    )
    FINANCE = "J", _("Finance")
    REAL_ESTATE = "K", _("Real estate")
    LEASING_BUSINESS_SERVICES = "L", _("Leasing and business services")
    SCIENTIFIC_RESEARCH = "M", _("Scientific research and technical services")
    WATER_ENVIRONMENT = "N", _("Water conservancy, environment and public facilities management")
    RESIDENT_SERVICES = "O", _("Resident services, repair and other services")
    EDUCATION = "P", _("Education")
    HEALTH_SOCIAL_WORK = "Q", _("Health and social work")
    CULTURE_SPORTS_ENTERTAINMENT = "R", _("Culture, sports and entertainment")
    PUBLIC_ADMINISTRATION = (
        "S",
        _("Public administration, social security and social organisations"),
    )
    INTERNATIONAL_ORGANISATIONS = "T", _("International organisations")


# Official Chinese section names, keyed by section code.
INDUSTRY_SECTION_ZH: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}

"""The 31 mainland provincial companies of the federation (GB/T 2260 province-level codes).

``short`` is the tenant's schema name and the first label of its host name (``bj.<base>``).
This list is the registry's seed data; the tenants table is the truth at run time.
"""

from typing import NamedTuple


class Province(NamedTuple):
    short: str
    code: str  # GB/T 2260 two-digit province-level code
    name_zh: str
    name_en: str


PROVINCES: tuple[Province, ...] = (
    Province("bj", "11", "北京", "Beijing"),
    Province("tj", "12", "天津", "Tianjin"),
    Province("he", "13", "河北", "Hebei"),
    Province("sx", "14", "山西", "Shanxi"),
    Province("nm", "15", "内蒙古", "Inner Mongolia"),
    Province("ln", "21", "辽宁", "Liaoning"),
    Province("jl", "22", "吉林", "Jilin"),
    Province("hl", "23", "黑龙江", "Heilongjiang"),
    Province("sh", "31", "上海", "Shanghai"),
    Province("js", "32", "江苏", "Jiangsu"),
    Province("zj", "33", "浙江", "Zhejiang"),
    Province("ah", "34", "安徽", "Anhui"),
    Province("fj", "35", "福建", "Fujian"),
    Province("jx", "36", "江西", "Jiangxi"),
    Province("sd", "37", "山东", "Shandong"),
    Province("ha", "41", "河南", "Henan"),
    Province("hb", "42", "湖北", "Hubei"),
    Province("hn", "43", "湖南", "Hunan"),
    Province("gd", "44", "广东", "Guangdong"),
    Province("gx", "45", "广西", "Guangxi"),
    Province("hi", "46", "海南", "Hainan"),
    Province("cq", "50", "重庆", "Chongqing"),
    Province("sc", "51", "四川", "Sichuan"),
    Province("gz", "52", "贵州", "Guizhou"),
    Province("yn", "53", "云南", "Yunnan"),
    Province("xz", "54", "西藏", "Tibet"),
    Province("sn", "61", "陕西", "Shaanxi"),
    Province("gs", "62", "甘肃", "Gansu"),
    Province("qh", "63", "青海", "Qinghai"),
    Province("nx", "64", "宁夏", "Ningxia"),
    Province("xj", "65", "新疆", "Xinjiang"),
)

PROVINCES_BY_SHORT = {p.short: p for p in PROVINCES}
PROVINCES_BY_CODE = {p.code: p for p in PROVINCES}

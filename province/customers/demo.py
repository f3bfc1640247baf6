"""Demo customers at scale (make run, benchmarks): customers with contacts, billing accounts,
product instances, monthly bills with a line per product, and payments.

Everything is generated set-based inside PostgreSQL (``INSERT … SELECT … FROM
generate_series``), one chunk of customers per transaction, so a million customers take
minutes rather than hours and progress can be reported between chunks. Python never loops
over customers or bills.

How the data is made, and why:

* Randomness is a hash of (row key, stream): ``hashint8extended(key, seed + stream)``. It is
  deterministic for a seed and does not depend on evaluation order, so chunks are
  independent and a re-run with the same seed on an empty province gives the same data.
* Customer ids are a block reserved from the table's identity sequence up front (the
  sequence is moved past the block at once), so customer numbers (province code +
  10-digit id, as ``services.create_customer`` makes them), certificates and group
  membership are plain arithmetic on the id. Every other table takes ids from its own
  sequence (``nextval``/column default), so later ORM inserts never collide;
  ``_sync_sequences`` checks this once more at the end.
* Certificates carry valid check characters, computed by SQL functions generated from the
  weights in ``shared.validators`` (GB 32100 for credit codes, GB 11643 for resident IDs);
  both are unique by construction (bijections of the id).
* Distributions: ~70 % enterprises, 5 % groups (with members pointing at them), 10 %
  government, 15 % individuals; log-normal monthly revenue (most 100–2,000 yuan, a few
  above 100,000); ~3 % churned (no bills after the churn month), ~1 % potential (nothing
  billed yet), ~2 % suspended; ~6 % of customers in arrears, which leaves about 5 % of the
  bills of the last three months unpaid or partly paid past their due date. Levels follow
  the expected monthly fee (the levels app regrades properly).
* Demo rows get no history records (``Historical*`` tables stay empty for them): history
  records changes made in the application, and these rows were never changed there.
"""

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from province.customers.models import (
    Bill,
    BillingAccount,
    BillLine,
    Contact,
    Customer,
    Payment,
    ProductInstance,
)
from province.org.choices import OrgUnitKind
from province.org.models import OrgUnit, Staff
from province.products.demo import seed_products
from province.products.models import Product
from shared.validators import (
    RESIDENT_ID_CHECK_CHARS,
    RESIDENT_ID_WEIGHTS,
    USCC_CHARSET,
    USCC_WEIGHTS,
)

# Groups sit at every GROUP_EVERY-th position of a run, so a member can find its group by
# arithmetic; chunks are multiples of it so that members only point into their own chunk
# (chunks are committed one by one and must not depend on each other).
GROUP_EVERY = 20
DEFAULT_CHUNK = 25_000  # larger chunks outgrow memory and get slower per row
# Up to this many customers every account is billed for all ``months``; above it only key
# accounts are, the others for the last RECENT_MONTHS (see seed_customers).
FULL_HISTORY_LIMIT = 100_000
RECENT_MONTHS = 3
SHANGHAI = "Asia/Shanghai"

Progress = Callable[[int, int], None]


class CustomersExist(Exception):
    """The province already has customers and appending was not asked for."""


class MissingPrerequisite(Exception):
    """The province has no staff to serve demo customers (seed the org first)."""


@dataclass
class SeedReport:
    customers: int = 0
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)


# --- vocabularies (data, not application text) -----------------------------------------------

# Places: "city:district=GB/T 2260 code,…;…". Real lists for a few provinces; the others use
# the city branches of their org tree (see _places).
_PLACES = {
    "bj": "北京市:朝阳区=110105,海淀区=110108,东城区=110101,西城区=110102,丰台区=110106,"
    "通州区=110112,大兴区=110115,昌平区=110114,顺义区=110113,石景山区=110107,房山区=110111,"
    "门头沟区=110109,怀柔区=110116,平谷区=110117,密云区=110118,延庆区=110119",
    "sh": "上海市:浦东新区=310115,黄浦区=310101,徐汇区=310104,静安区=310106,长宁区=310105,"
    "闵行区=310112,普陀区=310107,虹口区=310109,杨浦区=310110,宝山区=310113,嘉定区=310114,"
    "松江区=310117,青浦区=310118,奉贤区=310120,金山区=310116,崇明区=310151",
    "tj": "天津市:滨海新区=120116,和平区=120101,南开区=120104,河西区=120103,河东区=120102,"
    "河北区=120105,红桥区=120106,东丽区=120110,西青区=120111,津南区=120112,北辰区=120113,"
    "武清区=120114,宝坻区=120115",
    "cq": "重庆市:渝中区=500103,渝北区=500112,江北区=500105,九龙坡区=500107,沙坪坝区=500106,"
    "南岸区=500108,巴南区=500113,北碚区=500109,万州区=500101,涪陵区=500102",
    "gd": "广州市:天河区=440106,越秀区=440104,海珠区=440105,白云区=440111,番禺区=440113;"
    "深圳市:南山区=440305,福田区=440304,罗湖区=440303,宝安区=440306,龙岗区=440307;"
    "佛山市:禅城区=440604,南海区=440605,顺德区=440606;东莞市:南城街道=441900;"
    "珠海市:香洲区=440402;惠州市:惠城区=441302",
    "js": "南京市:玄武区=320102,秦淮区=320104,鼓楼区=320106,建邺区=320105,江宁区=320115;"
    "苏州市:姑苏区=320508,吴中区=320506,相城区=320507,虎丘区=320505;"
    "无锡市:梁溪区=320213,滨湖区=320211,新吴区=320214;常州市:天宁区=320402,武进区=320412;"
    "南通市:崇川区=320613;徐州市:云龙区=320303",
    "zj": "杭州市:上城区=330102,拱墅区=330105,西湖区=330106,滨江区=330108,萧山区=330109,"
    "余杭区=330110;宁波市:海曙区=330203,江北区=330205,鄞州区=330212;温州市:鹿城区=330302;"
    "嘉兴市:南湖区=330402;绍兴市:越城区=330602;金华市:婺城区=330702;台州市:椒江区=331002",
}
_GENERIC_DISTRICTS = ("城区", "高新区", "经济开发区", "新区")
_AREA_CODES = {"bj": "010", "sh": "021", "tj": "022", "cq": "023", "gd": "020", "js": "025"}
_AREA_CODES["zj"] = "0571"

# Industry sections (GB/T 4754) weighted per 100 organisations, and the business words
# enterprise names are made of.
_ENTERPRISE_INDUSTRIES = (
    "C" * 20 + "F" * 14 + "I" * 12 + "L" * 9 + "E" * 8 + "G" * 6 + "M" * 6 + "K" * 5 + "J" * 4
) + ("H" * 4 + "R" * 3 + "O" * 3 + "A" * 2 + "D" * 2 + "B" + "N")
_GOVERNMENT_INDUSTRIES = "S" * 70 + "P" * 12 + "Q" * 10 + "N" * 5 + "M" * 3
_BUSINESS_WORDS = {
    "A": "农业科技|生态农业|种业",
    "B": "矿业|能源",
    "C": "机械制造|电子|新材料|精密制造|化工|纺织|食品|汽车零部件|仪器仪表",
    "D": "电力工程|燃气|新能源|热力",
    "E": "建设工程|建筑工程|路桥工程|装饰工程",
    "F": "贸易|商贸|电子商务|百货|医药连锁",
    "G": "物流|运输|供应链管理|仓储",
    "H": "餐饮管理|酒店管理",
    "I": "科技|信息技术|网络科技|软件|数据科技|智能科技|通信技术",
    "J": "投资管理|融资租赁|资产管理",
    "K": "置业|房地产开发|物业管理",
    "L": "商务咨询|人力资源|广告|企业管理咨询|会展服务",
    "M": "检测技术|生物科技|工程设计|环境科技",
    "N": "环保科技|水务",
    "O": "家政服务|汽车维修",
    "P": "教育科技|职业培训",
    "Q": "医疗科技|健康管理",
    "R": "文化传媒|体育发展|影视文化",
    "S": "社会服务",
    "T": "国际交流",
}
_BRAND_FIRST = list(
    "华信联创恒泰瑞德鑫宏兴达盛博凯金通远新天中海东方安康嘉佳永利汇源明正卓越弘腾飞"
)
_BRAND_SECOND = list("辉祥晟锐宇睿航讯诚邦途拓峰川城宁光智翔庆昌聚润丰成和森泽云星驰展尚策捷迈众鼎")
_COMPANY_SUFFIXES = ["有限公司"] * 4 + ["股份有限公司"]
_GROUP_SUFFIXES = ["集团有限公司", "控股集团有限公司", "集团股份有限公司", "实业集团有限公司"]
_AGENCIES = [
    "教育委员会",
    "卫生健康委员会",
    "人民法院",
    "人民检察院",
    "财政局",
    "交通运输局",
    "市场监督管理局",
    "人力资源和社会保障局",
    "生态环境局",
    "住房和城乡建设委员会",
    "公安分局",
    "税务局",
    "第#中学",
    "第#小学",
    "第#人民医院",
    "第#街道办事处",
    "图书馆",
    "档案馆",
]
# Common surnames, most frequent first, and their pinyin (for e-mail addresses): picked with
# the same draw, so the two lists stay aligned.
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡")
_SURNAMES_PINYIN = [
    *("wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun"),
    *("ma", "zhu", "hu", "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "song"),
    *("tang", "xu", "han", "feng", "deng", "cao", "peng", "zeng", "xiao", "tian", "dong"),
    *("yuan", "pan", "yu", "jiang", "cai"),
]
assert len(_SURNAMES) == len(_SURNAMES_PINYIN)
_GIVEN_FIRST = list("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文辉建华国红志")
_GIVEN_SECOND = list("英华玲军平东峰飞鹏斌宇浩凯琳雪梅晨阳欣怡子涵思博婷婷")
_ROADS = [
    "中山路",
    "人民路",
    "建设路",
    "解放路",
    "长江路",
    "和平路",
    "新华路",
    "科技路",
    "创业路",
    "工业大道",
    "文化路",
    "青年路",
    "学府路",
    "滨河路",
    "金融街",
]
_MOBILE_PREFIXES = ["133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "199"]
_MAIL_DOMAINS = ["163.com", "qq.com", "126.com", "sina.com", "139.com", "189.cn"]
_TITLES = {
    "decision_maker": ["总经理", "董事长", "副总经理", "办公室主任", "信息中心主任"],
    "finance": ["财务经理", "财务总监", "会计"],
    "technical": ["IT 主管", "网络工程师", "信息化专员"],
}
# Product tiers by the monthly fee an instance should carry; entries repeat for weight.
_PRODUCT_TIERS = {
    "personal": "5G-GQ-199 5G-GQ-199 5G-GQ-299 BB-100M FIX-LINE",
    "small": "5G-GQ-199 5G-GQ-299 BB-100M BB-100M FIX-LINE CLOUD-PBX SMS-ENT IOT-NB IOT-CAT1 "
    "VIDEO-CAM ECS-4C8G",
    "mid": "BB-500M BB-1000M 5G-GQ-599 DIA-100M MSTP-10M TRUNK-30 ECS-4C8G SD-WAN CLOUD-PBX "
    "IOT-CAT1 VIDEO-CAM",
    "large": "DIA-1000M DIA-100M SDH-155M IDC-42U GOV-CLOUD ICT-PROJ SD-WAN 5G-GQ-599 MSTP-10M",
}
# Level by expected monthly fee (yuan): a rough stand-in for the level standard.
_LEVEL_FLOORS = (("diamond", 20000), ("gold", 5000), ("silver", 1000))


# --- SQL ---------------------------------------------------------------------------------------


def _function_ddl() -> list[str]:
    """Session-local helpers: a hash-based uniform draw, picking from an array, and the two
    check-character algorithms, generated from the weights the validators use."""
    uscc_sum = " + ".join(
        f"(strpos('{USCC_CHARSET}', substr(first17, {i}, 1)) - 1) * {w}"
        for i, w in enumerate(USCC_WEIGHTS, start=1)
    )
    rid_sum = " + ".join(
        f"substr(first17, {i}, 1)::int * {w}" for i, w in enumerate(RESIDENT_ID_WEIGHTS, start=1)
    )
    return [
        "CREATE OR REPLACE FUNCTION pg_temp.demo_u(k bigint, stream bigint) RETURNS float8 "
        "LANGUAGE sql IMMUTABLE AS $$ SELECT ((hashint8extended(k, stream) >> 11) "
        "& 9007199254740991)::float8 / 9007199254740992.0 $$",
        "CREATE OR REPLACE FUNCTION pg_temp.demo_pick(items text[], u float8) RETURNS text "
        "LANGUAGE sql IMMUTABLE AS $$ SELECT items[1 + floor(u * cardinality(items))::int] $$",
        "CREATE OR REPLACE FUNCTION pg_temp.demo_uscc(first17 text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT first17 || substr('{USCC_CHARSET}', "
        f"1 + mod(31 - mod({uscc_sum}, 31), 31), 1) $$",
        "CREATE OR REPLACE FUNCTION pg_temp.demo_rid(first17 text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT first17 || "
        f"substr('{RESIDENT_ID_CHECK_CHARS}', 1 + mod({rid_sum}, 11), 1) $$",
    ]


_REFERENCE_TABLES = """
DROP TABLE IF EXISTS pg_temp.demo_manager, pg_temp.demo_place, pg_temp.demo_word,
    pg_temp.demo_product, pg_temp.demo_tier;
CREATE TEMP TABLE demo_manager AS
    SELECT * FROM unnest(%(m_idx)s::int[], %(m_staff)s::bigint[], %(m_unit)s::bigint[])
    AS m(idx, staff_id, org_unit_id);
CREATE TEMP TABLE demo_place AS
    SELECT * FROM unnest(%(p_idx)s::int[], %(p_city)s::text[], %(p_district)s::text[],
                         %(p_region)s::text[])
    AS p(idx, city, district, region);
CREATE TEMP TABLE demo_word AS
    SELECT * FROM unnest(%(w_industry)s::text[], %(w_words)s::text[]) AS w(industry, words);
CREATE TEMP TABLE demo_product AS
    SELECT * FROM unnest(%(pr_tier)s::text[], %(pr_idx)s::int[], %(pr_id)s::bigint[],
                         %(pr_price)s::numeric[], %(pr_category)s::text[])
    AS p(tier, idx, product_id, price, category);
CREATE TEMP TABLE demo_tier AS
    SELECT tier, count(*)::int AS size FROM demo_product GROUP BY tier;
"""

# One chunk of customers with everything drawn; the other tables derive from it.
# Streams (the second argument of demo_u) keep the draws of one row independent.
_CUSTOMERS = """
DROP TABLE IF EXISTS pg_temp.demo_cust;
CREATE TEMP TABLE demo_cust AS
WITH drawn AS (
    SELECT g AS ord, %(first_id)s::bigint + g AS id,
        CASE WHEN mod(g, %(group_every)s) = 0 THEN 'group'
             WHEN pg_temp.demo_u(%(first_id)s::bigint + g, %(s)s + 1) < 0.7368 THEN 'enterprise'
             WHEN pg_temp.demo_u(%(first_id)s::bigint + g, %(s)s + 1) < 0.8421 THEN 'government'
             ELSE 'individual' END AS type,
        pg_temp.demo_u(%(first_id)s::bigint + g, %(s)s + 2) AS u_status,
        pg_temp.demo_u(%(first_id)s::bigint + g, %(s)s + 3) AS u_arrears,
        %(as_of)s::date - floor(pg_temp.demo_u(%(first_id)s::bigint + g, %(s)s + 4) * 3650)::int
            AS joined_on,
        sqrt(-2 * ln(1 - pg_temp.demo_u(%(first_id)s::bigint + g, %(s)s + 5)))
            * cos(2 * pi() * pg_temp.demo_u(%(first_id)s::bigint + g, %(s)s + 6)) AS z,
        1 + floor(pg_temp.demo_u(%(first_id)s::bigint + g, %(s)s + 7) * %(managers)s)::int AS m_idx,
        1 + floor(power(pg_temp.demo_u(%(first_id)s::bigint + g, %(s)s + 8), 1.5) * %(places)s)::int
            AS p_idx
    FROM generate_series(%(lo)s, %(hi)s - 1) AS g
), typed AS (
    SELECT d.*,
        CASE WHEN d.type <> 'group' AND d.u_status < 0.01 THEN 'potential'
             WHEN d.type <> 'group' AND d.u_status < 0.04 THEN 'churned'
             WHEN d.u_arrears < 0.02 THEN 'suspended'
             ELSE 'active' END AS status,
        CASE d.type WHEN 'individual' THEN 4.8 WHEN 'enterprise' THEN 6.2
                    WHEN 'government' THEN 7.3 ELSE 8.7 END AS mu,
        CASE d.type WHEN 'individual' THEN ''
             WHEN 'government' THEN substr(%(gov_industries)s,
                 1 + floor(pg_temp.demo_u(d.id, %(s)s + 9) * 100)::int, 1)
             ELSE substr(%(ent_industries)s,
                 1 + floor(pg_temp.demo_u(d.id, %(s)s + 9) * 100)::int, 1) END AS industry
    FROM drawn d
)
SELECT t.id, t.ord, t.type, t.status, t.joined_on, t.industry,
    t.status <> 'potential' AND t.u_arrears < 0.06 AS arrears,
    CASE WHEN t.status = 'churned' THEN least(%(as_of)s::date - 1, t.joined_on + 30
        + floor(pg_temp.demo_u(t.id, %(s)s + 10) * (%(as_of)s::date - t.joined_on))::int)
    END AS churn_on,
    least(2000000, round(exp(t.mu + 1.2 * t.z)::numeric, 2)) AS revenue,
    t.type IN ('group', 'government') OR exp(t.mu + 1.2 * t.z) >= %(silver)s AS key_account,
    CASE WHEN t.status = 'potential' THEN 0
         WHEN t.type = 'individual' THEN 1
         WHEN t.type = 'group' THEN 2 + floor(pg_temp.demo_u(t.id, %(s)s + 11) * 4)::int
         WHEN t.type = 'government' THEN 1 + (pg_temp.demo_u(t.id, %(s)s + 11) < 0.3)::int
         ELSE 1 + (pg_temp.demo_u(t.id, %(s)s + 11) < 0.25)::int
                + (pg_temp.demo_u(t.id, %(s)s + 11) < 0.05)::int END AS n_accounts,
    CASE WHEN t.type = 'individual' THEN 0
         ELSE 1 + (pg_temp.demo_u(t.id, %(s)s + 12) < 0.6)::int
                + (pg_temp.demo_u(t.id, %(s)s + 12) < 0.25)::int END AS n_contacts,
    CASE WHEN t.type = 'enterprise' AND t.ord > %(lo)s
              AND pg_temp.demo_u(t.id, %(s)s + 13) < 0.25
         THEN %(first_id)s + %(lo)s + %(group_every)s * floor(pg_temp.demo_u(t.id, %(s)s + 14)
              * (floor((t.ord - 1 - %(lo)s) / %(group_every)s) + 1))::bigint
    END AS parent_id,
    CASE t.type
        WHEN 'individual' THEN
            pg_temp.demo_pick(%(surnames)s, power(pg_temp.demo_u(t.id, %(s)s + 15), 2))
            || pg_temp.demo_pick(%(given1)s, pg_temp.demo_u(t.id, %(s)s + 16))
            || CASE WHEN pg_temp.demo_u(t.id, %(s)s + 17) < 0.7
                    THEN pg_temp.demo_pick(%(given2)s, pg_temp.demo_u(t.id, %(s)s + 18)) ELSE '' END
        WHEN 'government' THEN
            p.city || p.district || replace(
                pg_temp.demo_pick(%(agencies)s, pg_temp.demo_u(t.id, %(s)s + 15)), '#',
                (1 + floor(pg_temp.demo_u(t.id, %(s)s + 16) * 60))::text)
        ELSE
            %(prefix)s
            || pg_temp.demo_pick(%(brand1)s, pg_temp.demo_u(t.id, %(s)s + 15))
            || pg_temp.demo_pick(%(brand2)s, pg_temp.demo_u(t.id, %(s)s + 16))
            || CASE WHEN pg_temp.demo_u(t.id, %(s)s + 17) < 0.3
                    THEN pg_temp.demo_pick(%(brand2)s, pg_temp.demo_u(t.id, %(s)s + 18)) ELSE '' END
            || CASE WHEN t.type = 'group'
                    THEN pg_temp.demo_pick(%(group_suffixes)s, pg_temp.demo_u(t.id, %(s)s + 19))
                    ELSE pg_temp.demo_pick(string_to_array(w.words, '|'),
                                           pg_temp.demo_u(t.id, %(s)s + 19))
                         || pg_temp.demo_pick(%(company_suffixes)s,
                                              pg_temp.demo_u(t.id, %(s)s + 20)) END
    END AS name,
    CASE t.type
        WHEN 'individual' THEN 'resident_id' ELSE 'uscc' END AS certificate_type,
    CASE t.type
        WHEN 'individual' THEN pg_temp.demo_rid(p.region
            || to_char(date '1955-01-01' + (mod(t.id * 9999991, 16000000) / 1000)::int, 'YYYYMMDD')
            || lpad(mod(mod(t.id * 9999991, 16000000), 1000)::text, 3, '0'))
        ELSE pg_temp.demo_uscc(CASE t.type WHEN 'government' THEN '11' ELSE '91' END
            || p.region || lpad(mod(t.id * 738547991 + 104729, 1000000000)::text, 9, '0'))
    END AS certificate_no,
    p.city, p.district,
    p.city || p.district || pg_temp.demo_pick(%(roads)s, pg_temp.demo_u(t.id, %(s)s + 21))
        || (1 + floor(pg_temp.demo_u(t.id, %(s)s + 22) * 300))::int || '号' AS address,
    CASE WHEN t.type <> 'individual' AND pg_temp.demo_u(t.id, %(s)s + 23) < 0.15 THEN ''
         ELSE pg_temp.demo_pick(%(mobile_prefixes)s, pg_temp.demo_u(t.id, %(s)s + 24))
              || lpad(mod(t.id * 73856093 + 13, 100000000)::text, 8, '0') END AS phone,
    m.staff_id, m.org_unit_id,
    (t.joined_on + time '09:00' + floor(pg_temp.demo_u(t.id, %(s)s + 25) * 32400) * interval '1 s')
        AT TIME ZONE %(tz)s AS created_at
FROM typed t
JOIN demo_manager m ON m.idx = t.m_idx
JOIN demo_place p ON p.idx = t.p_idx
LEFT JOIN demo_word w ON w.industry = t.industry;
"""

_ACCOUNTS = """
DROP TABLE IF EXISTS pg_temp.demo_acc;
CREATE TEMP TABLE demo_acc AS
SELECT nextval(%(account_seq)s) AS id, c.id AS customer_id, k, c.type, c.name, c.churn_on,
    c.key_account,
    c.revenue / c.n_accounts AS share,
    CASE WHEN k = 1 THEN c.joined_on
         ELSE c.joined_on + floor(pg_temp.demo_u(c.id * 8 + k, %(s)s + 30)
                                  * (coalesce(c.churn_on, %(as_of)s::date) - c.joined_on) * 0.6)::int
    END AS opened_on,
    1 + (pg_temp.demo_u(c.id * 8 + k, %(s)s + 31) < 0.45)::int
      + (pg_temp.demo_u(c.id * 8 + k, %(s)s + 31) < 0.15)::int AS n_products
FROM demo_cust c CROSS JOIN LATERAL generate_series(1, c.n_accounts) AS k;
"""

_PRODUCTS = """
DROP TABLE IF EXISTS pg_temp.demo_inst;
CREATE TEMP TABLE demo_inst AS
WITH wanted AS (
    SELECT a.id AS account_id, a.customer_id, a.opened_on, a.churn_on, j AS k,
        a.id * 8 + j AS key, a.share / a.n_products AS fee_target,
        CASE WHEN a.type = 'individual' THEN 'personal'
             WHEN a.share / a.n_products < 600 THEN 'small'
             WHEN a.share / a.n_products < 5000 THEN 'mid' ELSE 'large' END AS tier
    FROM demo_acc a CROSS JOIN LATERAL generate_series(1, a.n_products) AS j
), chosen AS (
    SELECT w.*, p.product_id, p.category,
        -- quantity (lines, circuits, racks, sites) brings the list price near the target fee
        round(greatest(1, round(w.fee_target / p.price)) * p.price
              * (0.7 + 0.3 * pg_temp.demo_u(w.key, %(s)s + 41))::numeric, 2) AS fee,
        CASE WHEN w.k = 1 THEN w.opened_on
             ELSE w.opened_on + floor(pg_temp.demo_u(w.key, %(s)s + 42)
                  * (coalesce(w.churn_on, %(as_of)s::date) - w.opened_on) * 0.5)::int
        END AS activated_on
    FROM wanted w
    JOIN demo_tier t ON t.tier = w.tier
    JOIN demo_product p ON p.tier = w.tier
         AND p.idx = 1 + floor(pg_temp.demo_u(w.key, %(s)s + 40) * t.size)::int
)
SELECT nextval(%(product_seq)s) AS id, c.*,
    CASE WHEN c.churn_on IS NOT NULL THEN c.churn_on
         WHEN c.k > 1 AND pg_temp.demo_u(c.key, %(s)s + 43) < 0.04
         THEN c.activated_on + floor(pg_temp.demo_u(c.key, %(s)s + 44)
                                     * (%(as_of)s::date - c.activated_on))::int
    END AS terminated_on
FROM chosen c;
"""

_INSERT_CUSTOMERS = """
INSERT INTO customers_customer (
    id, created_at, updated_at, number, type, name, certificate_type, certificate_no, industry,
    city, district, address, phone, status, level, is_strategic, credit_grade, credit_limit,
    joined_on, account_manager_id, org_unit_id, parent_id)
SELECT c.id, c.created_at, %(now)s, %(code)s || lpad(c.id::text, 10, '0'), c.type, c.name,
    c.certificate_type, c.certificate_no, c.industry, c.city, c.district, c.address, c.phone,
    c.status, l.level,
    l.level = 'diamond' OR (c.type = 'group' AND l.level = 'gold'),
    '', 0, c.joined_on, c.staff_id, c.org_unit_id, c.parent_id
FROM demo_cust c
LEFT JOIN (SELECT customer_id, sum(fee) AS fee FROM demo_inst
           WHERE terminated_on IS NULL GROUP BY customer_id) f ON f.customer_id = c.id
CROSS JOIN LATERAL (SELECT CASE
    WHEN f.fee >= %(diamond)s THEN 'diamond' WHEN f.fee >= %(gold)s THEN 'gold'
    WHEN f.fee >= %(silver)s THEN 'silver' ELSE 'standard' END AS level) l
ORDER BY c.id;
"""

_INSERT_CONTACTS = """
INSERT INTO customers_contact (
    created_at, updated_at, name, role, title, mobile, email, is_primary, customer_id)
SELECT c.created_at, %(now)s,
    pg_temp.demo_pick(%(surnames)s, s.u) || pg_temp.demo_pick(%(given1)s, pg_temp.demo_u(key, %(s)s + 51))
        || CASE WHEN pg_temp.demo_u(key, %(s)s + 52) < 0.7
                THEN pg_temp.demo_pick(%(given2)s, pg_temp.demo_u(key, %(s)s + 53)) ELSE '' END,
    r.role,
    pg_temp.demo_pick(CASE r.role WHEN 'decision_maker' THEN %(titles_dm)s
                      WHEN 'finance' THEN %(titles_fin)s ELSE %(titles_tech)s END,
                      pg_temp.demo_u(key, %(s)s + 54)),
    pg_temp.demo_pick(%(mobile_prefixes)s, pg_temp.demo_u(key, %(s)s + 55))
        || lpad(floor(pg_temp.demo_u(key, %(s)s + 56) * 100000000)::bigint::text, 8, '0'),
    CASE WHEN pg_temp.demo_u(key, %(s)s + 57) < 0.5 THEN ''
         ELSE pg_temp.demo_pick(%(surnames_pinyin)s, s.u) || key::text || '@'
              || pg_temp.demo_pick(%(mail_domains)s, pg_temp.demo_u(key, %(s)s + 58)) END,
    k = 1, c.id
FROM demo_cust c
CROSS JOIN LATERAL generate_series(1, c.n_contacts) AS k
CROSS JOIN LATERAL (SELECT c.id * 4 + k AS key) kk
CROSS JOIN LATERAL (SELECT power(pg_temp.demo_u(kk.key, %(s)s + 50), 2) AS u) s
CROSS JOIN LATERAL (SELECT CASE k WHEN 1 THEN 'decision_maker' WHEN 2 THEN 'finance'
                               ELSE 'technical' END AS role) r;
"""

_INSERT_ACCOUNTS = """
INSERT INTO customers_billingaccount (
    id, created_at, updated_at, number, name, is_active, customer_id)
SELECT a.id, (a.opened_on + time '10:00') AT TIME ZONE %(tz)s, %(now)s,
    %(code)s || '9' || lpad(a.id::text, 11, '0'),
    CASE WHEN a.k = 1 THEN a.name ELSE a.name || '（' || a.k || '）' END,
    a.churn_on IS NULL, a.customer_id
FROM demo_acc a ORDER BY a.id;
"""

_INSERT_PRODUCTS = """
INSERT INTO customers_productinstance (
    id, created_at, updated_at, service_number, monthly_fee, activated_on, terminated_on,
    account_id, customer_id, product_id)
SELECT i.id, (i.activated_on + time '11:00') AT TIME ZONE %(tz)s, %(now)s,
    CASE i.category
        WHEN 'mobile' THEN pg_temp.demo_pick(%(mobile_prefixes)s, pg_temp.demo_u(i.id, %(s)s + 60))
                           || lpad(mod(i.id * 7919 + 7, 100000000)::text, 8, '0')
        WHEN 'iot' THEN '1064' || lpad(mod(i.id * 7919, 1000000000)::text, 9, '0')
        WHEN 'voice' THEN %(area_code)s || '8' || lpad(mod(i.id * 7919, 10000000)::text, 7, '0')
        WHEN 'broadband' THEN 'KD' || %(code)s || lpad(i.id::text, 10, '0')
        WHEN 'leased_line' THEN 'ZX' || %(code)s || lpad(i.id::text, 10, '0')
        WHEN 'cloud' THEN 'CLD-' || %(code)s || lpad(i.id::text, 10, '0')
        ELSE upper(i.category) || '-' || %(code)s || lpad(i.id::text, 10, '0') END,
    i.fee, i.activated_on, i.terminated_on, i.account_id, i.customer_id, i.product_id
FROM demo_inst i ORDER BY i.id;
"""

# Bills: one per account and month from the month after opening until the last full month
# (or the churn month), for ``months`` months (key accounts) or ``recent_months`` (the
# others); a line per product active that month; usage-priced products vary.
_BILLS = """
DROP TABLE IF EXISTS pg_temp.demo_bill, pg_temp.demo_line, pg_temp.demo_billf;
CREATE TEMP TABLE demo_bill AS
SELECT nextval(%(bill_seq)s) AS id, a.id AS account_id, a.customer_id, p::date AS period
FROM demo_acc a
CROSS JOIN LATERAL generate_series(
    greatest(CASE WHEN a.key_account THEN %(first_period)s::date ELSE %(recent_first)s::date END,
             (date_trunc('month', a.opened_on) + interval '1 month')::date)::timestamp,
    least(%(last_period)s::date,
          coalesce(date_trunc('month', a.churn_on)::date, %(last_period)s::date))::timestamp,
    interval '1 month') AS p;
CREATE TEMP TABLE demo_line AS
SELECT b.id AS bill_id, i.product_id,
    sum(CASE WHEN i.category IN ('mobile', 'iot', 'voice')
             THEN round(i.fee * (0.9 + 0.2 * pg_temp.demo_u(b.id * 8 + i.k, %(s)s + 70))::numeric, 2)
             ELSE i.fee END) AS amount
FROM demo_bill b
JOIN demo_inst i ON i.account_id = b.account_id
     AND i.activated_on < b.period + interval '1 month'
     AND (i.terminated_on IS NULL OR i.terminated_on >= b.period)
GROUP BY b.id, i.product_id;
CREATE TEMP TABLE demo_billf AS
WITH t AS (
    SELECT b.*, l.total, c.arrears, c.type,
        (b.period + interval '1 month 14 days')::date AS due_date,
        pg_temp.demo_u(b.id, %(s)s + 71) AS u1, pg_temp.demo_u(b.id, %(s)s + 72) AS u2
    FROM demo_bill b
    JOIN (SELECT bill_id, sum(amount) AS total FROM demo_line GROUP BY bill_id) l
         ON l.bill_id = b.id
    JOIN demo_cust c ON c.id = b.customer_id
), f AS (
    SELECT t.*, CASE
        WHEN t.due_date >= %(as_of)s::date THEN (t.u1 < 0.55)::int::numeric  -- not due yet
        WHEN t.arrears AND t.period >= %(recent_from)s::date
            THEN CASE WHEN t.u1 < 0.6 THEN 0 ELSE round((0.3 + 0.5 * t.u2)::numeric, 2) END
        WHEN t.u1 < 0.003 THEN 0  -- the odd bad debt of a good payer
        ELSE 1 END AS paid_share
    FROM t
)
SELECT f.id, f.account_id, f.customer_id, f.period, f.type, f.due_date, f.total AS amount_due,
    round(f.total * f.paid_share, 2) AS amount_paid,
    CASE WHEN f.paid_share = 0 THEN NULL
         ELSE greatest((f.period + interval '1 month')::date, least(%(as_of)s::date,
             CASE WHEN f.due_date >= %(as_of)s::date THEN f.due_date - 1 - floor(f.u2 * 12)::int
                  WHEN f.arrears THEN f.due_date + floor(f.u2 * 40)::int
                  ELSE f.due_date - 18 + floor(f.u2 * 24)::int END)) END AS paid_on,
    CASE WHEN f.paid_share = 0 THEN 'open' WHEN f.paid_share < 1 THEN 'partial'
         ELSE 'paid' END AS status,
    pg_temp.demo_u(f.id, %(s)s + 73) AS u_method
FROM f;
"""

_INSERT_BILLS = """
INSERT INTO customers_bill (
    id, created_at, updated_at, period, amount_due, amount_paid, due_date, paid_on, status,
    account_id, customer_id)
SELECT b.id, (b.period + interval '1 month 1 day 02:00')::timestamp AT TIME ZONE %(tz)s,
    coalesce((b.paid_on + time '18:00') AT TIME ZONE %(tz)s,
             (b.period + interval '1 month 1 day 02:00')::timestamp AT TIME ZONE %(tz)s),
    b.period, b.amount_due, b.amount_paid, b.due_date, b.paid_on, b.status,
    b.account_id, b.customer_id
FROM demo_billf b ORDER BY b.id;
"""

_INSERT_LINES = """
INSERT INTO customers_billline (created_at, updated_at, amount_due, bill_id, product_id)
SELECT (b.period + interval '1 month 1 day 02:00')::timestamp AT TIME ZONE %(tz)s,
    (b.period + interval '1 month 1 day 02:00')::timestamp AT TIME ZONE %(tz)s,
    l.amount, l.bill_id, l.product_id
FROM demo_line l JOIN demo_bill b ON b.id = l.bill_id ORDER BY l.bill_id, l.product_id;
"""

_INSERT_PAYMENTS = """
INSERT INTO customers_payment (
    created_at, updated_at, amount, paid_on, method, reference, account_id, bill_id, customer_id)
SELECT (b.paid_on + time '10:00') AT TIME ZONE %(tz)s, (b.paid_on + time '10:00') AT TIME ZONE %(tz)s,
    b.amount_paid, b.paid_on,
    pg_temp.demo_pick(CASE WHEN b.type = 'individual' THEN %(methods_person)s
                           ELSE %(methods_org)s END, b.u_method),
    %(code)s || 'PAY' || lpad(b.id::text, 14, '0'), b.account_id, b.id, b.customer_id
FROM demo_billf b WHERE b.amount_paid > 0 ORDER BY b.id;
"""

_DROP_CHUNK = """
DROP TABLE IF EXISTS pg_temp.demo_cust, pg_temp.demo_acc, pg_temp.demo_inst, pg_temp.demo_bill,
    pg_temp.demo_line, pg_temp.demo_billf;
"""

_TABLES = (Customer, Contact, BillingAccount, ProductInstance, Bill, BillLine, Payment)


# --- Python side -------------------------------------------------------------------------------


def seed_customers(
    n: int,
    *,
    months: int = 24,
    as_of: date | None = None,
    seed: int | str | None = None,
    progress: Progress | None = None,
    append: bool = False,
    recent_months: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> SeedReport:
    """Add ``n`` demo customers (and their accounts, products, bills, payments) to the current
    province schema, with bills for the months before ``as_of``'s month.

    Key accounts (groups, government, expected fee of silver level or more: about 40 %) are
    billed for ``months`` months; the others for ``recent_months``, by default all
    ``months`` up to FULL_HISTORY_LIMIT customers and RECENT_MONTHS above. Why: 24 months
    for everyone at a million customers is ~28 million bills, 42 million lines and 28
    million payments, about 25 minutes on a small machine; the customer screens and the
    benchmarks do not need that depth for small customers, and levels and credit still see
    every recent month.

    Refuses (``CustomersExist``) when the province already has customers unless ``append``.
    Each chunk of ``chunk_size`` customers is one transaction; ``progress(done, n)`` is
    called after each.
    """
    started = time.perf_counter()
    if n <= 0:
        return SeedReport()
    if not append and Customer.objects.exists():
        raise CustomersExist
    seed_products()
    tenant = connection.tenant
    code = getattr(tenant, "code", "") or "00"
    short = tenant.schema_name
    as_of = as_of or timezone.localdate()
    seed = code if seed is None else seed
    salt = zlib.crc32(str(seed).encode()) * 1000  # streams are salt + 1 … salt + 99
    chunk_size = max(GROUP_EVERY, chunk_size - chunk_size % GROUP_EVERY)

    if recent_months is None:
        recent_months = months if n <= FULL_HISTORY_LIMIT else RECENT_MONTHS
    params = _reference_params(short, code, as_of, months, min(months, recent_months), salt)
    report = SeedReport(rows=dict.fromkeys((m._meta.db_table for m in _TABLES), 0))
    with connection.cursor() as cursor:
        for ddl in _function_ddl():
            cursor.execute(ddl)
        cursor.execute(_REFERENCE_TABLES, params)
        first_id = _reserve_customer_ids(cursor, n)
    params["first_id"] = first_id

    for lo in range(0, n, chunk_size):
        hi = min(n, lo + chunk_size)
        _seed_chunk(params | {"lo": lo, "hi": hi, "now": timezone.now()}, months, report)
        report.customers = hi
        if progress:
            progress(hi, n)

    with connection.cursor() as cursor:
        _sync_sequences(cursor)
        cursor.execute(_DROP_CHUNK)
        cursor.execute(
            "ANALYZE " + ", ".join(m._meta.db_table for m in _TABLES)  # noqa: S608 (our names)
        )
    report.seconds = time.perf_counter() - started
    return report


def _seed_chunk(params: dict, months: int, report: SeedReport) -> None:
    steps = [
        (_CUSTOMERS, None),
        (_ACCOUNTS, None),
        (_PRODUCTS, None),
        (_INSERT_CUSTOMERS, Customer),
        (_INSERT_CONTACTS, Contact),
        (_INSERT_ACCOUNTS, BillingAccount),
        (_INSERT_PRODUCTS, ProductInstance),
    ]
    if months > 0:
        steps += [
            (_BILLS, None),
            (_INSERT_BILLS, Bill),
            (_INSERT_LINES, BillLine),
            (_INSERT_PAYMENTS, Payment),
        ]
    with transaction.atomic(), connection.cursor() as cursor:
        # Bulk-load settings for this transaction only: big sorts and hashes in memory, no
        # wait for the WAL flush (a crash loses demo data, nothing else), and no JIT: the
        # planner has no statistics on the temporary tables, overestimates, and would spend
        # seconds compiling expressions for a few thousand rows.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # As pg_restore --disable-triggers does: when we may, skip the per-row foreign-key
        # triggers (half the time of a load); the ids are consistent by construction and
        # tests/province/customers/test_demo.py checks every reference.
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        for sql, model in steps:
            cursor.execute(sql, params)
            if model is not None:
                report.rows[model._meta.db_table] += cursor.rowcount
        cursor.execute(_DROP_CHUNK)
        # Inside a caller's transaction (tests) SET LOCAL would outlive the chunk.
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        cursor.execute("SET LOCAL jit = DEFAULT")
        cursor.execute("SET LOCAL work_mem = DEFAULT")


def _reserve_customer_ids(cursor, n: int) -> int:
    """Move the customer id sequence past ``n`` ids at once; return the first id of the block.

    One statement, so nothing else can take ids from the middle of the block between our
    reading and moving the sequence (an ORM insert running at that very moment gets the
    next id after it, as usual).
    """
    cursor.execute(
        "SELECT setval(s, nextval(s) + %s - 1) - %s + 1 FROM pg_get_serial_sequence("
        "'customers_customer', 'id') AS s",
        [n, n],
    )
    return cursor.fetchone()[0]


def _sync_sequences(cursor) -> None:
    """Make sure no id sequence is behind its table (the ORM must never collide)."""
    for model in _TABLES:
        table = model._meta.db_table
        cursor.execute(f"SELECT coalesce(max(id), 1) FROM {table}")  # noqa: S608 (our name)
        (max_id,) = cursor.fetchone()
        cursor.execute(
            "SELECT setval(s, greatest(coalesce(pg_sequence_last_value(s::regclass), 1), %s)) "
            "FROM pg_get_serial_sequence(%s, 'id') AS s",
            [max_id, table],
        )


def _account_managers() -> list[Staff]:
    """Active account managers, or any active staff when the province has none."""
    active = Staff.objects.filter(is_active=True).order_by("pk")
    managers = list(active.filter(user__groups__name="account_manager").distinct())
    managers = managers or list(active)
    if not managers:
        raise MissingPrerequisite
    return managers


def _places(short: str) -> list[tuple[str, str, str]]:
    """(city, district, region code) in descending weight: the real list of the province,
    else its org tree's city branches with generic districts."""
    if short in _PLACES:
        places = []
        for city_part in _PLACES[short].split(";"):
            city, districts = city_part.split(":")
            for district in districts.split(","):
                name, region = district.split("=")
                places.append((city, name, region))
        return places
    code = getattr(connection.tenant, "code", "") or "00"
    cities = [
        unit.name.removesuffix("分公司")
        for unit in OrgUnit.objects.filter(kind=OrgUnitKind.CITY).order_by("code")
    ] or [connection.tenant.name_zh]
    return [
        (city if city.endswith("市") else f"{city}市", district, f"{code}{c:02d}{d:02d}")
        for c, city in enumerate(cities, start=1)
        for d, district in enumerate(_GENERIC_DISTRICTS, start=2)
    ]


def _reference_params(
    short: str, code: str, as_of: date, months: int, recent_months: int, salt: int
) -> dict:
    managers = _account_managers()
    places = _places(short)
    products = dict(Product.objects.values_list("code", "pk"))
    prices = dict(Product.objects.values_list("code", "monthly_price"))
    categories = dict(Product.objects.values_list("code", "category"))
    tier_rows = [
        (tier, index, code_)
        for tier, codes in _PRODUCT_TIERS.items()
        for index, code_ in enumerate([c for c in codes.split() if c in products], start=1)
    ]
    if not tier_rows:  # a province with its own product list: use it evenly
        tier_rows = [
            (tier, index, code_)
            for tier in _PRODUCT_TIERS
            for index, code_ in enumerate(sorted(products), start=1)
        ]
    last_period = (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)
    first_period = _add_months(last_period, -(months - 1)) if months > 0 else last_period
    name_zh = getattr(connection.tenant, "name_zh", "") or ""
    return {
        "s": salt,
        "code": code,
        "tz": SHANGHAI,
        "as_of": as_of,
        "first_period": first_period,
        "last_period": last_period,
        "recent_first": _add_months(last_period, -(recent_months - 1)),
        "recent_from": _add_months(last_period, -2),
        "group_every": GROUP_EVERY,
        "managers": len(managers),
        "m_idx": list(range(1, len(managers) + 1)),
        "m_staff": [m.pk for m in managers],
        "m_unit": [m.org_unit_id for m in managers],
        "places": len(places),
        "p_idx": list(range(1, len(places) + 1)),
        "p_city": [p[0] for p in places],
        "p_district": [p[1] for p in places],
        "p_region": [p[2] for p in places],
        "w_industry": list(_BUSINESS_WORDS),
        "w_words": list(_BUSINESS_WORDS.values()),
        "pr_tier": [r[0] for r in tier_rows],
        "pr_idx": [r[1] for r in tier_rows],
        "pr_id": [products[r[2]] for r in tier_rows],
        "pr_price": [prices[r[2]] for r in tier_rows],
        "pr_category": [categories[r[2]] for r in tier_rows],
        "ent_industries": _ENTERPRISE_INDUSTRIES,
        "gov_industries": _GOVERNMENT_INDUSTRIES,
        "prefix": name_zh,
        "brand1": _BRAND_FIRST,
        "brand2": _BRAND_SECOND,
        "company_suffixes": _COMPANY_SUFFIXES,
        "group_suffixes": _GROUP_SUFFIXES,
        "agencies": _AGENCIES,
        "surnames": _SURNAMES,
        "surnames_pinyin": _SURNAMES_PINYIN,
        "given1": _GIVEN_FIRST,
        "given2": _GIVEN_SECOND,
        "roads": _ROADS,
        "mobile_prefixes": _MOBILE_PREFIXES,
        "mail_domains": _MAIL_DOMAINS,
        "titles_dm": _TITLES["decision_maker"],
        "titles_fin": _TITLES["finance"],
        "titles_tech": _TITLES["technical"],
        "area_code": _AREA_CODES.get(short, ""),
        "methods_person": ["online"] * 6 + ["direct_debit"] * 3 + ["cash"],
        "methods_org": ["bank_transfer"] * 7 + ["direct_debit"] * 2 + ["online"],
        "diamond": _LEVEL_FLOORS[0][1],
        "gold": _LEVEL_FLOORS[1][1],
        "silver": _LEVEL_FLOORS[2][1],
        "account_seq": _sequence(BillingAccount),
        "product_seq": _sequence(ProductInstance),
        "bill_seq": _sequence(Bill),
    }


def _sequence(model) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        return cursor.fetchone()[0]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)

"""The indicator catalogue as first seeded at HQ (appendix 1; docs/indicators.md).

This is data, not code that runs: the data migration ``0002_seed_catalogue`` loads it into
``IndicatorDefinition`` and from then on the table is the standard (HQ may edit it and
publish a new version). The Chinese names are data like any other field.

``consolidation`` says how HQ turns province values into a national one:

- ``sum``: add the provinces' values (counts, amounts, points);
- ``ratio``: Σ numerator ÷ Σ denominator × scale, both named indicators (rates, ARPU);
- ``mean``: average weighted by another indicator (the satisfaction score by responses);
- ``growth``: change of a base indicator against ``lag`` months earlier, from the national
  totals of both periods;
- ``target``: Σ actual ÷ Σ assigned of each target (the target completion rate).

``over_time`` says how months add up inside a target's period: ``sum`` for flows (revenue of
a quarter is the sum of its months), ``last`` for stocks and rates (the latest month counts).
Indicators with ``has_source = False`` have no data in the system yet: provinces report them
as absent (no value), never as zero.
"""

LEVEL = "level"
CITY = "city"
TARGET = "target"


def _entry(code, name_zh, name_en, unit, definition, *, dimensions=(), consolidation="sum",
           basis=None, over_time="sum", has_source=True):  # fmt: skip
    return {
        "code": code,
        "name_zh": name_zh,
        "name_en": name_en,
        "unit": unit,
        "definition": definition,
        "period": "month",
        "dimensions": list(dimensions),
        "consolidation": consolidation,
        "basis": dict(basis or {}),
        "over_time": over_time,
        "has_source": has_source,
    }


CATALOGUE = [
    _entry(
        "KC_COUNT",
        "重点客户数",
        "Key customers",
        "count",
        "Customers on the books at the end of the month: joined on or before the month's "
        "last day, not churned by then, not potential, not merged into another customer.",
        dimensions=(LEVEL, CITY),
        over_time="last",
    ),
    _entry(
        "KC_OPENING",
        "期初重点客户数",
        "Key customers at the start of the month",
        "count",
        "KC_COUNT as of the day before the month's first day.",
        dimensions=(LEVEL, CITY),
        over_time="last",
    ),
    _entry(
        "KC_NEW",
        "新增重点客户数",
        "New key customers",
        "count",
        "Customers (not potential, not merged) whose joining date falls in the month.",
        dimensions=(LEVEL, CITY),
    ),
    _entry(
        "KC_CHURNED",
        "流失重点客户数",
        "Churned key customers",
        "count",
        "Customers whose status became churned in the month (date from the change history).",
        dimensions=(LEVEL, CITY),
    ),
    _entry(
        "KC_CHURN_RATE",
        "重点客户流失率",
        "Key-customer churn rate",
        "percent",
        "KC_CHURNED ÷ KC_OPENING × 100; absent when KC_OPENING is 0.",
        dimensions=(LEVEL,),
        consolidation="ratio",
        basis={"numerator": "KC_CHURNED", "denominator": "KC_OPENING", "scale": 100},
        over_time="last",
    ),
    _entry(
        "KC_REVENUE",
        "重点客户收入",
        "Key-customer revenue",
        "yuan",
        "Σ amount due of the bills of the month's billing period.",
        dimensions=(LEVEL, CITY),
    ),
    _entry(
        "KC_BILLED",
        "出账重点客户数",
        "Billed key customers",
        "count",
        "Distinct customers with a bill of the month's billing period.",
        dimensions=(LEVEL,),
    ),
    _entry(
        "KC_ARPU",
        "重点客户ARPU",
        "Key-customer ARPU",
        "yuan",
        "KC_REVENUE ÷ KC_BILLED; absent when no customer was billed.",
        dimensions=(LEVEL,),
        consolidation="ratio",
        basis={"numerator": "KC_REVENUE", "denominator": "KC_BILLED", "scale": 1},
        over_time="last",
    ),
    _entry(
        "KC_REVENUE_MOM",
        "重点客户收入环比增长率",
        "Key-customer revenue growth (month on month)",
        "percent",
        "(KC_REVENUE of the month ÷ KC_REVENUE of the previous month − 1) × 100; absent when "
        "the previous month had no revenue.",
        consolidation="growth",
        basis={"base": "KC_REVENUE", "lag": 1},
        over_time="last",
    ),
    _entry(
        "KC_REVENUE_YOY",
        "重点客户收入同比增长率",
        "Key-customer revenue growth (year on year)",
        "percent",
        "(KC_REVENUE of the month ÷ KC_REVENUE of the same month a year earlier − 1) × 100; "
        "absent when that month had no revenue.",
        consolidation="growth",
        basis={"base": "KC_REVENUE", "lag": 12},
        over_time="last",
    ),
    _entry(
        "ARREARS_AMOUNT",
        "欠费金额",
        "Arrears",
        "yuan",
        "Σ unpaid amount at the month's end of the bills due on or before that day: a bill "
        "paid in full after the month's end counts in full; a part-paid one counts its unpaid "
        "rest as recorded now.",
        dimensions=(LEVEL, CITY),
        over_time="last",
    ),
    _entry(
        "BILLS_DUE_AMOUNT",
        "当月应收金额",
        "Amount due in the month",
        "yuan",
        "Σ amount due of the bills whose due date falls in the month.",
        dimensions=(LEVEL,),
    ),
    _entry(
        "BILLS_DUE_UNPAID",
        "当月应收未收金额",
        "Amount due in the month left unpaid",
        "yuan",
        "The part of BILLS_DUE_AMOUNT unpaid at the month's end (as for ARREARS_AMOUNT).",
        dimensions=(LEVEL,),
    ),
    _entry(
        "ARREARS_RATE",
        "欠费率",
        "Arrears rate",
        "percent",
        "BILLS_DUE_UNPAID ÷ BILLS_DUE_AMOUNT × 100; absent when nothing fell due.",
        dimensions=(LEVEL,),
        consolidation="ratio",
        basis={"numerator": "BILLS_DUE_UNPAID", "denominator": "BILLS_DUE_AMOUNT", "scale": 100},
        over_time="last",
    ),
    _entry(
        "POINTS_ISSUED",
        "积分发放量",
        "Points issued",
        "points",
        "Σ points of the earn and bonus entries and of positive adjustments posted in the month.",
        dimensions=(LEVEL,),
    ),
    _entry(
        "POINTS_REDEEMED",
        "积分兑换量",
        "Points redeemed",
        "points",
        "Σ points of the redemption entries posted in the month, less the reversals of "
        "redemptions posted in the month.",
        dimensions=(LEVEL,),
    ),
    _entry(
        "POINTS_EXPIRED",
        "积分过期量",
        "Points expired",
        "points",
        "Σ points of the expiry entries posted in the month.",
        dimensions=(LEVEL,),
    ),
    _entry(
        "POINTS_OUTSTANDING",
        "积分余额",
        "Points outstanding",
        "points",
        "Σ points of every entry except holds and releases posted up to the month's end (the "
        "customers' balances at that moment).",
        dimensions=(LEVEL,),
        over_time="last",
    ),
    _entry(
        "POINTS_LIABILITY",
        "积分负债",
        "Points liability",
        "yuan",
        "POINTS_OUTSTANDING × the province's cost per point (LoyaltySettings.point_cost) at "
        "the time of computation.",
        dimensions=(LEVEL,),
        over_time="last",
    ),
    _entry(
        "SATISFACTION_SCORE",
        "客户满意度",
        "Satisfaction score",
        "score",
        "Average normalised score (0–100) of the satisfaction answers surveyed in the month; "
        "absent when there were none.",
        dimensions=(LEVEL,),
        consolidation="mean",
        basis={"weight": "SATISFACTION_RESPONSES"},
        over_time="last",
    ),
    _entry(
        "SATISFACTION_RESPONSES",
        "满意度调查样本数",
        "Satisfaction responses",
        "count",
        "Satisfaction answers surveyed in the month.",
        dimensions=(LEVEL,),
    ),
    _entry(
        "TARGET_COMPLETION",
        "计划完成率",
        "Target completion rate",
        "percent",
        "For each target whose period contains the month: the province's actual (its months "
        "so far added for flows, the latest month for stocks) ÷ its assigned value × 100.",
        dimensions=(TARGET,),
        consolidation="target",
        over_time="last",
    ),
    # No source data in the system yet (complaints R6.3, faults R6.4, return visits R4.4,
    # channels R5): in the catalogue so that the standard is complete, reported as absent.
    _entry(
        "COMPLAINTS_PER_1000",
        "千户投诉率",
        "Complaints per 1,000 customers",
        "per_mille",
        "Complaints received in the month ÷ KC_COUNT × 1000. No source yet.",
        consolidation="none",
        over_time="last",
        has_source=False,
    ),
    _entry(
        "COMPLAINT_HANDLING_HOURS",
        "投诉平均处理时长",
        "Average complaint handling time",
        "hours",
        "Average hours from intake to closure of complaints closed in the month. No source yet.",
        consolidation="none",
        over_time="last",
        has_source=False,
    ),
    _entry(
        "FAULT_HANDLING_HOURS",
        "故障平均处理时长",
        "Average fault handling time",
        "hours",
        "Average hours from report to repair of faults closed in the month. No source yet.",
        consolidation="none",
        over_time="last",
        has_source=False,
    ),
    _entry(
        "SLA_COMPLIANCE_RATE",
        "服务时限达标率",
        "SLA compliance rate",
        "percent",
        "Complaints and faults closed within their time limit ÷ all closed in the month × 100. "
        "No source yet.",
        consolidation="none",
        over_time="last",
        has_source=False,
    ),
    _entry(
        "RETURN_VISIT_RATE",
        "回访完成率",
        "Return-visit completion rate",
        "percent",
        "Return visits done ÷ planned in the month × 100. No source yet.",
        consolidation="none",
        over_time="last",
        has_source=False,
    ),
    _entry(
        "CHANNEL_SALES",
        "渠道销售额",
        "Channel sales",
        "yuan",
        "Σ sales through agents and distributors in the month. No source yet.",
        consolidation="none",
        has_source=False,
    ),
    _entry(
        "CHANNEL_COMMISSION",
        "渠道佣金",
        "Channel commissions",
        "yuan",
        "Σ commissions due to channels for the month. No source yet.",
        consolidation="none",
        has_source=False,
    ),
]

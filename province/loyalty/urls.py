"""Pages of the loyalty app (R2.4), mounted at /loyalty/."""

from django.urls import path

from province.loyalty import views, views_cost, views_rules
from province.loyalty.urls_redemption import urlpatterns as redemption_urlpatterns
from province.loyalty.views_runs import ACCRUAL_RUNS, EXPIRY_RUNS

app_name = "loyalty"

urlpatterns = [
    *ACCRUAL_RUNS.urls("runs/"),
    *EXPIRY_RUNS.urls("expiry-runs/"),
    path("warnings/", views.expiry_warnings, name="warnings"),
    path("warnings/export/", views.expiry_warnings_export, name="warnings-export"),
    path("customer/<int:pk>/", views.customer_points, name="customer"),
    path("adjustments/", views.adjustment_list, name="adjustments"),
    path("adjustments/<int:pk>/decide/", views.adjustment_decide, name="adjustment-decide"),
    *redemption_urlpatterns,
    # standards, expiry runs and notices (views_rules)
    path("rules/", views_rules.rule_list, name="rules"),
    path("rules/new/", views_rules.rule_create, name="rule-create"),
    path("rules/<int:pk>/", views_rules.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/end/", views_rules.rule_end, name="rule-end"),
    path("validity/", views_rules.validity, name="validity"),
    path("validity/new/", views_rules.validity_create, name="validity-create"),
    path("validity/<int:pk>/activate/", views_rules.validity_activate, name="validity-activate"),
    path("settings/", views_rules.settings_edit, name="settings"),
    path("notices/", views_rules.notice_list, name="notices"),
    path("notices/export/", views_rules.notice_export, name="notices-export"),
    path("notices/<int:pk>/read/", views_rules.notice_read, name="notice-read"),
    path("lots/<int:pk>/extend/", views_rules.lot_extend, name="lot-extend"),
    path("cost/", views_cost.points_cost, name="cost"),
]

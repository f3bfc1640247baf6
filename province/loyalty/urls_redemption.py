"""Routes of the redemption pages (R2.4.4, R2.4.8, R6.5.1, R6.5.2), included in the loyalty
app's URLconf (namespace ``loyalty``)."""

from django.urls import path

from province.loyalty import views_redemption as views

urlpatterns = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.reward_item_form, name="catalogue-create"),
    path("catalogue/<int:pk>/edit/", views.reward_item_form, name="catalogue-edit"),
    path(
        "catalogue/<int:pk>/deactivate/",
        views.reward_item_deactivate,
        name="catalogue-deactivate",
    ),
    path("counter/", views.counter, name="counter"),
    path("redemptions/", views.history, name="redemptions"),
    path("redemptions/export/", views.history_export, name="redemptions-export"),
    path("redemptions/<int:pk>/", views.redemption_detail, name="redemption"),
    path("redemptions/<int:pk>/receipt/", views.receipt, name="redemption-receipt"),
    path("redemptions/<int:pk>/cancel/", views.redemption_cancel, name="redemption-cancel"),
    path("auto-redemption/", views.auto_rules, name="auto-rules"),
    path("auto-redemption/<int:pk>/edit/", views.auto_rule_edit, name="auto-rule-edit"),
    path("auto-redemption/run/", views.auto_run_start, name="auto-run-start"),
]

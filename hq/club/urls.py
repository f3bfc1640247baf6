"""HQ club pages, included under /club/ by config/urls_hq.py."""

from django.urls import path

from hq.club import views

app_name = "club"

urlpatterns = [
    path("", views.definition, name="definition"),
    path("tiers/new/", views.tier_form, name="tier-new"),
    path("tiers/<int:pk>/", views.tier_form, name="tier-edit"),
    path("benefits/new/", views.benefit_form, name="benefit-new"),
    path("benefits/<int:pk>/", views.benefit_form, name="benefit-edit"),
    path("entry-rules/", views.entry_rules_form, name="entry-rules"),
    path("publish/", views.publish, name="publish"),
    path("roster/", views.roster, name="roster"),
    path("statistics/", views.statistics, name="statistics"),
    path("visits/", views.visits, name="visits"),
]

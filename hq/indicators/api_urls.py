"""API routes of HQ's indicators, included under /api/indicators/ by config/urls_hq.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from hq.indicators import api

router = SimpleRouter()
router.register("definitions", api.IndicatorDefinitionViewSet, basename="indicatordefinition")
router.register("facts", api.IndicatorFactViewSet, basename="indicatorfact")
router.register("targets", api.TargetViewSet, basename="target")

urlpatterns = [
    path("national/", api.NationalTotalsView.as_view(), name="indicators-national"),
    path("ranking/", api.RankingView.as_view(), name="indicators-ranking"),
    path("trend/", api.TrendView.as_view(), name="indicators-trend"),
    *router.urls,
]

"""API routes of the analysis app, included under /api/analysis/ by config/urls_province.py."""

from django.urls import path

from province.analysis import api

urlpatterns = [
    path("composition/", api.CompositionView.as_view(), name="analysis-composition"),
    path("products/", api.ProductCompositionView.as_view(), name="analysis-products"),
    path("satisfaction/", api.SatisfactionView.as_view(), name="analysis-satisfaction"),
    path("value/", api.ValueView.as_view(), name="analysis-value"),
    path("pricing/", api.PricingView.as_view(), name="analysis-pricing"),
]

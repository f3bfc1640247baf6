"""Pages of the levels app (R2.2), mounted at /levels/."""

from django.urls import path

from province.levels import views

app_name = "levels"

urlpatterns = [
    path("", views.standard_list, name="standards"),
    path("standards/new/", views.standard_form, name="standard-create"),
    path("standards/<int:pk>/edit/", views.standard_form, name="standard-edit"),
    path("standards/<int:pk>/activate/", views.standard_activate, name="standard-activate"),
    path("runs/", views.run_list, name="runs"),
    path("runs/start/", views.run_start, name="run-start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/decide/", views.proposal_decide, name="proposal-decide"),
    path("customer/<int:pk>/", views.customer_levels, name="customer"),
    path("customer/<int:pk>/override/", views.customer_override, name="customer-override"),
    path("customer/<int:pk>/apply-card/", views.card_apply, name="card-apply"),
    path("cards/<int:pk>/<slug:transition>/", views.card_transition, name="card-transition"),
    path("review/", views.review, name="review"),
    path("review/apply/", views.review_apply, name="review-apply"),
]

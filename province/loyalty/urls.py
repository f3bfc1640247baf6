"""Pages of the loyalty app (R2.4), mounted at /loyalty/."""

from django.urls import path

from province.loyalty import views, views_cost

app_name = "loyalty"

urlpatterns = [
    path("warnings/", views.expiry_warnings, name="warnings"),
    path("warnings/export/", views.expiry_warnings_export, name="warnings-export"),
    path("customer/<int:pk>/", views.customer_points, name="customer"),
    path("runs/", views.run_list, name="runs"),
    path("runs/start/", views.run_start, name="run-start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/resume/", views.run_resume, name="run-resume"),
    path("adjustments/", views.adjustment_list, name="adjustments"),
    path("adjustments/<int:pk>/decide/", views.adjustment_decide, name="adjustment-decide"),
    path("cost/", views_cost.points_cost, name="cost"),
]

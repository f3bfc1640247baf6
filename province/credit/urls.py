from django.urls import path

from province.credit import views

app_name = "credit"

urlpatterns = [
    path("customer/<int:pk>/", views.customer_credit, name="customer"),
    path("requests/", views.request_inbox, name="requests"),
    path("requests/<int:pk>/decide/", views.decide_request, name="decide"),
    path("warnings/", views.warnings_list, name="warnings"),
    path("warnings/export/", views.warnings_export, name="warnings-export"),
    path("policy/", views.policy_editor, name="policy"),
]

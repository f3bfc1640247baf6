from django.urls import path

from province.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list_view, name="list"),
    path("new/", views.customer_form, name="create"),
    path("transfer/", views.transfer, name="transfer"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_form, name="edit"),
    path("<int:pk>/blacklist/", views.blacklist, name="blacklist"),
]

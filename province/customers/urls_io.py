"""Pages for customer import, export and merging (R2.1.2), included under /customers/io/."""

from django.urls import path

from province.customers import views_io

app_name = "customers_io"

urlpatterns = [
    path("import/", views_io.import_view, name="import"),
    path("import/template.<str:kind>", views_io.import_template_view, name="import-template"),
    path("export/", views_io.export_view, name="export"),
    path("merge/<int:pk>/", views_io.merge_view, name="merge"),
    path("merges/", views_io.merge_list, name="merge-list"),
    path("merges/<int:pk>/revert/", views_io.merge_revert, name="merge-revert"),
]

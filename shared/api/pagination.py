"""Keyset (cursor) pagination: no ``COUNT(*)`` over a whole province on every page.

Refuses unordered querysets (as NetBox does): a page boundary on an unordered result is
undefined, so a missing ordering is a programming error, caught by the tests.
"""

from rest_framework.pagination import CursorPagination


class OrderedCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"

    def paginate_queryset(self, queryset, request, view=None):
        if not queryset.query.order_by and not queryset.query.default_ordering:
            raise AssertionError(f"{view.__class__.__name__} paginates an unordered queryset")
        return super().paginate_queryset(queryset, request, view)

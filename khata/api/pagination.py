from rest_framework.pagination import CursorPagination


class KhataCursorPagination(CursorPagination):
    """Keyset pagination: page 10,000 costs what page 1 costs, and no COUNT(*) on big tables."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

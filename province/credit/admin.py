"""Admin of the credit app: read-only views of the rows. Changes go through the pages and
the API, which call the services (the approval rule and the level check live there)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from province.credit.models import (
    CreditAssessment,
    CreditChange,
    CreditChangeRequest,
    CreditGradeRule,
    CreditPolicy,
    EmergencyReconnection,
    TemporaryCredit,
)


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CreditGradeRuleInline(_ReadOnly, admin.TabularInline):
    model = CreditGradeRule
    extra = 0


@admin.register(CreditPolicy)
class CreditPolicyAdmin(_ReadOnly, SimpleHistoryAdmin):
    list_display = ("name", "is_active", "updated_at")
    inlines = [CreditGradeRuleInline]


@admin.register(CreditAssessment)
class CreditAssessmentAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("customer", "computed_at", "score", "grade", "credit_limit", "applied")
    list_filter = ("grade", "applied")
    raw_id_fields = ("customer",)


@admin.register(CreditChangeRequest)
class CreditChangeRequestAdmin(_ReadOnly, SimpleHistoryAdmin):
    list_display = ("customer", "requested_grade", "requested_limit", "status", "requested_by")
    list_filter = ("status",)
    raw_id_fields = ("customer",)


@admin.register(CreditChange)
class CreditChangeAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("customer", "from_grade", "to_grade", "from_limit", "to_limit", "source", "at")
    list_filter = ("source",)
    raw_id_fields = ("customer",)


@admin.register(TemporaryCredit)
class TemporaryCreditAdmin(_ReadOnly, SimpleHistoryAdmin):
    list_display = ("customer", "extra_limit", "starts_on", "expires_on", "status")
    list_filter = ("status",)
    raw_id_fields = ("customer",)


@admin.register(EmergencyReconnection)
class EmergencyReconnectionAdmin(_ReadOnly, SimpleHistoryAdmin):
    list_display = ("customer", "requested_at", "expires_at", "status")
    list_filter = ("status",)
    raw_id_fields = ("customer",)

"""Admin of the levels app: read-mostly; changes go through the pages and the API, which
call the services (rules live there)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from province.levels.models import (
    LevelChange,
    LevelProposal,
    LevelRule,
    LevelStandard,
    MembershipCard,
    RegradingRun,
)


class LevelRuleInline(admin.TabularInline):
    model = LevelRule
    extra = 0


@admin.register(LevelStandard)
class LevelStandardAdmin(SimpleHistoryAdmin):
    list_display = ("name", "effective_from", "months", "validity_months", "is_active")
    inlines = [LevelRuleInline]


@admin.register(RegradingRun)
class RegradingRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "as_of", "status", "done", "total", "proposals", "started_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in RegradingRun._meta.fields]


@admin.register(LevelProposal)
class LevelProposalAdmin(admin.ModelAdmin):
    list_display = ("customer", "current_level", "proposed_level", "avg_monthly_paid", "status")
    list_filter = ("status", "proposed_level")
    raw_id_fields = ("customer", "run")
    readonly_fields = [f.name for f in LevelProposal._meta.fields]


@admin.register(LevelChange)
class LevelChangeAdmin(admin.ModelAdmin):
    list_display = ("customer", "from_level", "to_level", "source", "actor", "at")
    list_filter = ("source", "to_level")
    raw_id_fields = ("customer",)
    readonly_fields = [f.name for f in LevelChange._meta.fields]


@admin.register(MembershipCard)
class MembershipCardAdmin(SimpleHistoryAdmin):
    list_display = ("number", "customer", "level", "status", "valid_until")
    list_filter = ("status", "level")
    search_fields = ("number",)
    raw_id_fields = ("customer", "replaced_by")
    readonly_fields = ("number", "status", "issued_at", "replaced_by")

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from province.org.models import OrgUnit, Staff


@admin.register(OrgUnit)
class OrgUnitAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "kind", "parent", "is_active")
    search_fields = ("name", "code")
    readonly_fields = ("path", "depth")


@admin.register(Staff)
class StaffAdmin(SimpleHistoryAdmin):
    list_display = ("employee_no", "name", "org_unit", "title", "is_active")
    search_fields = ("name", "employee_no")
    list_select_related = ("org_unit",)

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from shared.accounts.models import PersonalDataAccess, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, (None, {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "is_active", "last_login")


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ("accessed_at", "user", "object_type", "path")
    list_filter = ("object_type",)
    readonly_fields = ("user", "accessed_at", "path", "object_type", "object_ids", "fields")

from django.contrib import admin, messages

from nem.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at"]

    def get_fields(self, request, obj=None):
        return ["name"] if obj is None else ["name", "prefix", "is_active", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            raw = ApiKey.generate()
            obj.set_key(raw)
            super().save_model(request, obj, form, change)
            self.message_user(
                request,
                f"API key for {obj.name}: {raw} — copy it now, it is not shown again.",
                messages.WARNING,
            )
            return
        super().save_model(request, obj, form, change)

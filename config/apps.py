from django.contrib.admin.apps import AdminConfig


class YuchuangAdminConfig(AdminConfig):
    default_site = "config.admin.YuchuangAdminSite"

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tenant_apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from . import extensions  # noqa: F401  (its permission row, routes and auth paths)
        from .impersonation import impersonation_logged_out

        user_logged_out.connect(impersonation_logged_out, dispatch_uid="accounts.impersonation")

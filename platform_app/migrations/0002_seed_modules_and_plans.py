"""The module registry (the seed's modules plus stock) and three plans."""

from decimal import Decimal

from django.db import migrations

ALL = ["services", "production", "trade"]

MODULES = [
    # code, name, description, templates offering it, templates enabling it by default
    ("@customers", "Customers", "Customer records, contacts and history.", ALL, ALL),
    ("@products", "Products", "Products and services catalogue with prices and units.", ALL, ALL),
    ("@orders", "Orders", "Orders with numbering, status machine and totals.", ALL, ALL),
    (
        "@quotes",
        "Quotes",
        "Quotes that customers accept into orders.",
        ALL,
        ["services", "production", "trade"],
    ),
    (
        "@stock",
        "Stock",
        "Warehouses, stock levels, reservations and movements.",
        ["production", "trade"],
        ["production", "trade"],
    ),
    ("@portal", "Customer portal", "Customers log in to order and accept quotes.", ALL, ALL),
    ("@notifications", "Notifications", "SMS, e-mail, in-app and webhook notifications.", ALL, ALL),
    ("@reports", "Reports", "Sales and stock reports.", ALL, ["production", "trade"]),
    ("@ai", "AI assistant", "Assistant for drafting quotes and answering questions.", ALL, []),
]

PLANS = [
    # code, name, monthly, yearly, max users, max customers (None = unlimited), features
    (
        "starter",
        "Starter",
        "99.00",
        "990.00",
        3,
        500,
        {"portal": True, "api": False, "webhooks": False},
    ),
    (
        "business",
        "Business",
        "249.00",
        "2490.00",
        10,
        5000,
        {"portal": True, "api": True, "webhooks": True},
    ),
    (
        "enterprise",
        "Enterprise",
        "699.00",
        "6990.00",
        None,
        None,
        {"portal": True, "api": True, "webhooks": True, "sla": True},
    ),
]


def seed(apps, schema_editor):
    db = schema_editor.connection.alias
    ModuleRegistry = apps.get_model("platform_app", "ModuleRegistry")
    Plan = apps.get_model("platform_app", "Plan")
    for code, name, description, templates, defaults in MODULES:
        ModuleRegistry.objects.using(db).update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "templates": templates,
                "default_templates": defaults,
            },
        )
    for code, name, monthly, yearly, max_users, max_customers, features in PLANS:
        Plan.objects.using(db).update_or_create(
            code=code,
            defaults={
                "name": name,
                "price_monthly": Decimal(monthly),
                "price_yearly": Decimal(yearly),
                "max_users": max_users,
                "max_customers": max_customers,
                "features": features,
            },
        )


def unseed(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("platform_app", "ModuleRegistry").objects.using(db).filter(
        code__in=[m[0] for m in MODULES]
    ).delete()
    apps.get_model("platform_app", "Plan").objects.using(db).filter(
        code__in=[p[0] for p in PLANS], tenants__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("platform_app", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]

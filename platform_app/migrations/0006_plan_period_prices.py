"""Plan periods carry the price in force, so a month is billed at its own prices."""

from django.db import migrations, models


def fill(apps, schema_editor):
    db = schema_editor.connection.alias
    Period = apps.get_model("platform_app", "TenantPlanPeriod")
    for period in Period.objects.using(db).select_related("plan"):
        period.price_monthly = period.plan.price_monthly
        period.currency = period.plan.currency
        period.save(update_fields=["price_monthly", "currency"])


class Migration(migrations.Migration):
    dependencies = [("platform_app", "0005_platform_superadmin")]

    operations = [
        migrations.AddField(
            model_name="tenantplanperiod",
            name="price_monthly",
            field=models.DecimalField(
                decimal_places=2, max_digits=10, null=True, verbose_name="monthly price"
            ),
        ),
        migrations.AddField(
            model_name="tenantplanperiod",
            name="currency",
            field=models.CharField(default="PLN", max_length=3, verbose_name="currency"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="tenantplanperiod",
            name="price_monthly",
            field=models.DecimalField(
                decimal_places=2, max_digits=10, verbose_name="monthly price"
            ),
        ),
    ]

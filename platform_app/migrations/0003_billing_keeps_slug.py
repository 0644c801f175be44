"""Billing records outlive a purged tenant: the FK becomes nullable and the slug is kept."""

import django.db.models.deletion
from django.db import migrations, models


def copy_slugs(apps, schema_editor):
    db = schema_editor.connection.alias
    BillingRecord = apps.get_model("platform_app", "BillingRecord")
    for record in BillingRecord.objects.using(db).select_related("tenant"):
        record.tenant_slug = record.tenant.slug
        record.save(update_fields=["tenant_slug"])


class Migration(migrations.Migration):
    dependencies = [("platform_app", "0002_seed_modules_and_plans")]

    operations = [
        migrations.AddField(
            model_name="billingrecord",
            name="tenant_slug",
            field=models.CharField(default="", max_length=40, verbose_name="address"),
            preserve_default=False,
        ),
        migrations.RunPython(copy_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="billingrecord",
            name="tenant",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="billing_records",
                to="platform_app.tenant",
            ),
        ),
    ]

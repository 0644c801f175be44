"""stock_movements is an append-only ledger: a trigger refuses UPDATE and DELETE.

(TRUNCATE and DROP DATABASE, used by tests and tenant deletion, are not row operations.)

No default warehouse is created here on purpose: tenants are clones of the migrated
template, so a row made by a migration would carry the same UUID in every tenant. The
default warehouse is made lazily, per tenant, by `services.warehouse_default()`.
"""

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION stock_movements_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock_movements is an append-only ledger: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER stock_movements_append_only
    BEFORE UPDATE OR DELETE ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION stock_movements_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS stock_movements_append_only ON stock_movements;
DROP FUNCTION IF EXISTS stock_movements_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("stock", "0001_initial")]

    operations = [migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY)]

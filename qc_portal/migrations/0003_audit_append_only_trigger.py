"""On PostgreSQL the audit table refuses UPDATE and DELETE, so even raw SQL cannot rewrite
history. TRUNCATE is left to database privileges: the application role should not hold it,
and the test runner needs it to reset tables between transactional tests. (SQLite, the embedded demo database, relies on the ORM guard only.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION qc_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit trail is append-only: % refused on %', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER qc_audit_append_only
    BEFORE UPDATE OR DELETE ON qc_portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION qc_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS qc_audit_append_only ON qc_portal_auditevent;
DROP FUNCTION IF EXISTS qc_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("qc_portal", "0002_roles_and_departments")]
    operations = [migrations.RunPython(forwards, backwards)]

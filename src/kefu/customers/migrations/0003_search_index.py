from django.db import migrations

from kefu.core.search import SearchIndex

INDEX = SearchIndex("customers")


def create(apps, schema_editor):
    for sql in INDEX.create_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    for sql in INDEX.drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_attributedefinition_mergerecord")]

    operations = [migrations.RunPython(create, drop)]

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def key_revocations_copy(apps, schema_editor):
    """The labels signed by a key revoked before this release read as revoked too; endpoints
    that take revocations get the new ``key_revoked`` event (new endpoints take every type)."""
    Label = apps.get_model("labels", "Label")
    SigningKey = apps.get_model("labels", "SigningKey")
    WebhookEndpoint = apps.get_model("labels", "WebhookEndpoint")
    revoked_at = SigningKey.objects.filter(pk=OuterRef("signing_key_id")).values("revoked_at")
    Label.objects.filter(signing_key__revoked_at__isnull=False).update(
        key_revoked_at=Subquery(revoked_at[:1])
    )
    for endpoint in WebhookEndpoint.objects.all():
        if "revoked" in endpoint.event_types and "key_revoked" not in endpoint.event_types:
            endpoint.event_types = [*endpoint.event_types, "key_revoked"]
            endpoint.save(update_fields=["event_types"])


def key_revoked_events_drop(apps, schema_editor):
    WebhookEndpoint = apps.get_model("labels", "WebhookEndpoint")
    for endpoint in WebhookEndpoint.objects.all():
        if "key_revoked" in endpoint.event_types:
            endpoint.event_types = [t for t in endpoint.event_types if t != "key_revoked"]
            endpoint.save(update_fields=["event_types"])


class Migration(migrations.Migration):

    dependencies = [
        ('labels', '0007_label_answers'),
    ]

    operations = [
        migrations.AddField(
            model_name='label',
            name='key_revoked_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(key_revocations_copy, key_revoked_events_drop),
    ]

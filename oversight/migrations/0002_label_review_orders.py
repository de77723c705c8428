"""A label under review may take one order of each kind: its orders become a many-to-many."""

from django.db import migrations, models


def orders_copied(apps, schema_editor):
    Review = apps.get_model("oversight", "BlacklistLabelReview")
    for review in Review.objects.filter(order__isnull=False).iterator():
        review.orders.add(review.order_id)


def first_order_kept(apps, schema_editor):
    """Back to one order per review: its first."""
    Review = apps.get_model("oversight", "BlacklistLabelReview")
    for review in Review.objects.filter(orders__isnull=False).distinct().iterator():
        review.order_id = review.orders.order_by("ordered_at", "pk").first().pk
        review.save(update_fields=["order"])


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="blacklistlabelreview",
            name="orders",
            field=models.ManyToManyField(
                blank=True, related_name="reviews", to="oversight.blacklistlabelorder"
            ),
        ),
        migrations.RunPython(orders_copied, first_order_kept),
        migrations.RemoveField(
            model_name="blacklistlabelreview",
            name="order",
        ),
    ]

"""Surveillance, the holder's requests, the label orders on a listing, sampling, complaints and
appeals move to the oversight app (oversight 0001): their tables keep their names, only Django's
state and the content types move."""

from django.db import migrations, models
import django.db.models.deletion


MODELS = [
    "appeal",
    "appealattachment",
    "appealevent",
    "blacklistlabelorder",
    "blacklistlabelreview",
    "certificaterequest",
    "complaint",
    "complaintevent",
    "samplingdraw",
    "samplingitem",
    "supervisionnotice",
    "surveillance",
    "surveillanceevent",
    "surveillanceteammember",

]


def move_content_types(apps, schema_editor, source="audits", target="oversight"):
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = set(
        content_type.objects.filter(app_label=target, model__in=MODELS).values_list("model", flat=True)
    )
    content_type.objects.filter(app_label=source, model__in=set(MODELS) - taken).update(
        app_label=target
    )


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="oversight", target="audits")


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0008_team_member"),
        ("oversight", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='finding',
                    name='surveillance',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='findings', to='oversight.surveillance'),
                ),
                migrations.RemoveField(
                    model_name='appeal',
                    name='application',
                ),
                migrations.RemoveField(
                    model_name='appeal',
                    name='application_event',
                ),
                migrations.RemoveField(
                    model_name='appeal',
                    name='body',
                ),
                migrations.RemoveField(
                    model_name='appeal',
                    name='decider',
                ),
                migrations.RemoveField(
                    model_name='appeal',
                    name='decision_actor',
                ),
                migrations.RemoveField(
                    model_name='appeal',
                    name='enterprise',
                ),
                migrations.RemoveField(
                    model_name='appeal',
                    name='filed_by',
                ),
                migrations.RemoveField(
                    model_name='appeal',
                    name='label',
                ),
                migrations.RemoveField(
                    model_name='appeal',
                    name='label_event',
                ),
                migrations.RemoveField(
                    model_name='appealattachment',
                    name='appeal',
                ),
                migrations.RemoveField(
                    model_name='appealevent',
                    name='appeal',
                ),
                migrations.RemoveField(
                    model_name='appealevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='blacklistlabelorder',
                    name='entry',
                ),
                migrations.RemoveField(
                    model_name='blacklistlabelorder',
                    name='ordered_by',
                ),
                migrations.RemoveField(
                    model_name='blacklistlabelreview',
                    name='order',
                ),
                migrations.RemoveField(
                    model_name='blacklistlabelreview',
                    name='entry',
                ),
                migrations.RemoveField(
                    model_name='blacklistlabelreview',
                    name='label',
                ),
                migrations.RemoveField(
                    model_name='certificaterequest',
                    name='certificate',
                ),
                migrations.RemoveField(
                    model_name='certificaterequest',
                    name='decided_by',
                ),
                migrations.RemoveField(
                    model_name='certificaterequest',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='certificaterequest',
                    name='surveillance',
                ),
                migrations.RemoveField(
                    model_name='complaint',
                    name='body',
                ),
                migrations.RemoveField(
                    model_name='complaint',
                    name='certificate',
                ),
                migrations.RemoveField(
                    model_name='complaint',
                    name='complainant',
                ),
                migrations.RemoveField(
                    model_name='complaint',
                    name='handler',
                ),
                migrations.RemoveField(
                    model_name='complaint',
                    name='label',
                ),
                migrations.RemoveField(
                    model_name='complaintevent',
                    name='complaint',
                ),
                migrations.RemoveField(
                    model_name='complaintevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='samplingdraw',
                    name='drawn_by',
                ),
                migrations.RemoveField(
                    model_name='samplingitem',
                    name='draw',
                ),
                migrations.RemoveField(
                    model_name='samplingitem',
                    name='certificate',
                ),
                migrations.RemoveField(
                    model_name='samplingitem',
                    name='inspector',
                ),
                migrations.RemoveField(
                    model_name='supervisionnotice',
                    name='certificate',
                ),
                migrations.RemoveField(
                    model_name='surveillance',
                    name='certificate',
                ),
                migrations.RemoveField(
                    model_name='surveillance',
                    name='decided_by',
                ),
                migrations.RemoveField(
                    model_name='surveillance',
                    name='dossier_version',
                ),
                migrations.RemoveField(
                    model_name='surveillanceteammember',
                    name='surveillance',
                ),
                migrations.RemoveField(
                    model_name='surveillanceevent',
                    name='surveillance',
                ),
                migrations.RemoveField(
                    model_name='surveillanceevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='surveillanceteammember',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='AppealAttachment',
                ),
                migrations.DeleteModel(
                    name='Appeal',
                ),
                migrations.DeleteModel(
                    name='AppealEvent',
                ),
                migrations.DeleteModel(
                    name='BlacklistLabelOrder',
                ),
                migrations.DeleteModel(
                    name='BlacklistLabelReview',
                ),
                migrations.DeleteModel(
                    name='CertificateRequest',
                ),
                migrations.DeleteModel(
                    name='Complaint',
                ),
                migrations.DeleteModel(
                    name='ComplaintEvent',
                ),
                migrations.DeleteModel(
                    name='SamplingDraw',
                ),
                migrations.DeleteModel(
                    name='SamplingItem',
                ),
                migrations.DeleteModel(
                    name='SupervisionNotice',
                ),
                migrations.DeleteModel(
                    name='Surveillance',
                ),
                migrations.DeleteModel(
                    name='SurveillanceEvent',
                ),
                migrations.DeleteModel(
                    name='SurveillanceTeamMember',
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]

"""The oversight app takes over models that audits created (audits 0002 to 0004): state only,
the tables keep their `audits_` names (audits 0009 drops them from audits' state)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0006_notification_language"),
        ("audits", "0008_team_member"),
        ("certification", "0007_product_families"),
        ("labels", "0006_family_labels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Appeal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reference', models.CharField(max_length=32, unique=True, verbose_name='reference')),
                        ('kind', models.CharField(choices=[('refusal', 'Refusal of certification'), ('suspension', 'Suspension of the label'), ('withdrawal', 'Withdrawal of the label')], max_length=16, verbose_name='decision appealed')),
                        ('decision_at', models.DateTimeField(verbose_name='date of the decision appealed')),
                        ('reasons', models.TextField(verbose_name='reasons for the appeal')),
                        ('status', models.CharField(choices=[('submitted', 'Submitted'), ('under_review', 'Under review'), ('upheld', 'Decision upheld'), ('overturned', 'Decision overturned')], default='submitted', max_length=16, verbose_name='status')),
                        ('decision_reason', models.TextField(blank=True, verbose_name='reasons for the decision')),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('effect_applied_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='certification.application')),
                        ('application_event', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeal', to='certification.applicationevent')),
                        ('body', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals_received', to='accounts.organisation')),
                        ('decider', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeals_decided', to=settings.AUTH_USER_MODEL)),
                        ('decision_actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('enterprise', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals_made', to='accounts.organisation')),
                        ('filed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals_filed', to=settings.AUTH_USER_MODEL)),
                        ('label', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='labels.label')),
                        ('label_event', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeal', to='labels.labelevent')),
                    ],
                    options={
                        'db_table': 'audits_appeal',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='AppealAttachment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(upload_to='appeals/%Y/')),
                        ('name', models.CharField(max_length=255)),
                        ('content_type', models.CharField(max_length=100)),
                        ('sha256', models.CharField(max_length=64)),
                        ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('appeal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='oversight.appeal')),
                    ],
                    options={
                        'db_table': 'audits_appealattachment',
                    },
                ),
                migrations.CreateModel(
                    name='AppealEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=64)),
                        ('from_status', models.CharField(blank=True, choices=[('submitted', 'Submitted'), ('under_review', 'Under review'), ('upheld', 'Decision upheld'), ('overturned', 'Decision overturned')], max_length=16)),
                        ('to_status', models.CharField(choices=[('submitted', 'Submitted'), ('under_review', 'Under review'), ('upheld', 'Decision upheld'), ('overturned', 'Decision overturned')], max_length=16)),
                        ('comment', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('appeal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='oversight.appeal')),
                    ],
                    options={
                        'db_table': 'audits_appealevent',
                        'ordering': ['created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='BlacklistLabelOrder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('suspension', 'Suspension of every label'), ('special_surveillance', 'Special surveillance of every label')], max_length=32, verbose_name='order')),
                        ('reason', models.TextField(verbose_name='reason')),
                        ('label_count', models.PositiveIntegerField(default=0)),
                        ('ordered_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='audits.blacklistentry')),
                        ('ordered_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'audits_blacklistlabelorder',
                        'ordering': ['-ordered_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='BlacklistLabelReview',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('flagged_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='label_reviews', to='audits.blacklistentry')),
                        ('label', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='blacklist_reviews', to='labels.label')),
                        ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reviews', to='oversight.blacklistlabelorder')),
                    ],
                    options={
                        'db_table': 'audits_blacklistlabelreview',
                        'ordering': ['entry', 'label'],
                    },
                ),
                migrations.CreateModel(
                    name='Complaint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reference', models.CharField(max_length=32, unique=True, verbose_name='reference')),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('category', models.CharField(choices=[('false_value', 'The footprint value is false'), ('label_misuse', 'The label is misused (wrong product, altered artwork)'), ('expired_label_shown', 'An expired or withdrawn label is still shown'), ('other', 'Other')], max_length=32, verbose_name='category')),
                        ('description', models.TextField(verbose_name='description')),
                        ('contact', models.CharField(blank=True, max_length=200, verbose_name='contact (e-mail or phone)')),
                        ('language', models.CharField(default='zh-hans', max_length=16)),
                        ('attachment', models.FileField(blank=True, upload_to='complaints/%Y/', verbose_name='attachment')),
                        ('attachment_content_type', models.CharField(blank=True, max_length=100)),
                        ('attachment_sha256', models.CharField(blank=True, max_length=64)),
                        ('status', models.CharField(choices=[('received', 'Received'), ('acknowledged', 'Acknowledged'), ('investigating', 'Under investigation'), ('decided', 'Decided'), ('closed', 'Closed')], default='received', max_length=16, verbose_name='status')),
                        ('outcome', models.CharField(blank=True, choices=[('unfounded', 'Unfounded'), ('founded', 'Founded')], max_length=16, verbose_name='outcome')),
                        ('actions', models.JSONField(blank=True, default=list, verbose_name='actions')),
                        ('decision_reason', models.TextField(blank=True, verbose_name='reasons for the decision')),
                        ('finding_against_body', models.TextField(blank=True, verbose_name='finding against the body')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('acknowledge_due', models.DateField(verbose_name='acknowledge by')),
                        ('decision_due', models.DateField(verbose_name='decide by')),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('outcome_email_claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('outcome_emailed_at', models.DateTimeField(blank=True, null=True)),
                        ('body', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints_received', to='accounts.organisation', verbose_name='certification body')),
                        ('certificate', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='certification.certificate')),
                        ('complainant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints_made', to=settings.AUTH_USER_MODEL)),
                        ('handler', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints_handled', to=settings.AUTH_USER_MODEL, verbose_name='handler')),
                        ('label', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='labels.label', verbose_name='label')),
                    ],
                    options={
                        'db_table': 'audits_complaint',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ComplaintEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=64)),
                        ('from_status', models.CharField(blank=True, choices=[('received', 'Received'), ('acknowledged', 'Acknowledged'), ('investigating', 'Under investigation'), ('decided', 'Decided'), ('closed', 'Closed')], max_length=16)),
                        ('to_status', models.CharField(choices=[('received', 'Received'), ('acknowledged', 'Acknowledged'), ('investigating', 'Under investigation'), ('decided', 'Decided'), ('closed', 'Closed')], max_length=16)),
                        ('comment', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='oversight.complaint')),
                    ],
                    options={
                        'db_table': 'audits_complaintevent',
                        'ordering': ['created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='SamplingDraw',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seed', models.CharField(max_length=200, verbose_name='seed')),
                        ('size', models.PositiveIntegerField(verbose_name='size')),
                        ('stratify_by', models.CharField(blank=True, choices=[('', 'None'), ('body', 'Certification body'), ('category', 'Product category')], max_length=16, verbose_name='stratified by')),
                        ('population_hash', models.CharField(max_length=64, verbose_name='population SHA-256')),
                        ('population_size', models.PositiveIntegerField(verbose_name='population size')),
                        ('drawn_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='drawn at')),
                        ('drawn_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'audits_samplingdraw',
                        'ordering': ['-drawn_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='SamplingItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveIntegerField()),
                        ('status', models.CharField(choices=[('assigned', 'Assigned'), ('completed', 'Completed')], default='assigned', max_length=16, verbose_name='status')),
                        ('findings', models.TextField(blank=True, verbose_name='findings')),
                        ('outcome', models.CharField(blank=True, choices=[('', 'Pending'), ('conforming', 'Conforming'), ('nonconforming', 'Nonconforming')], max_length=16, verbose_name='outcome')),
                        ('action', models.CharField(blank=True, choices=[('', 'None'), ('suspend', 'Suspend the certificate'), ('withdraw', 'Withdraw the certificate')], max_length=16, verbose_name='action')),
                        ('outcome_date', models.DateField(blank=True, null=True, verbose_name='outcome date')),
                        ('recorded_at', models.DateTimeField(blank=True, null=True)),
                        ('certificate', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sampling_items', to='certification.certificate')),
                        ('draw', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='items', to='oversight.samplingdraw')),
                        ('inspector', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sampling_items', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'audits_samplingitem',
                        'ordering': ['draw', 'position'],
                    },
                ),
                migrations.CreateModel(
                    name='SupervisionNotice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=24)),
                        ('deadline', models.DateField()),
                        ('days_before', models.PositiveSmallIntegerField()),
                        ('sent_on', models.DateField()),
                        ('certificate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to='certification.certificate')),
                    ],
                    options={
                        'db_table': 'audits_supervisionnotice',
                    },
                ),
                migrations.CreateModel(
                    name='Surveillance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField()),
                        ('kind', models.CharField(choices=[('scheduled', 'Scheduled surveillance'), ('special', 'Special surveillance'), ('change', 'Evaluation of a change')], default='scheduled', max_length=16, verbose_name='kind')),
                        ('due_on', models.DateField(verbose_name='due on')),
                        ('suspend_after', models.DateField(verbose_name='suspended if not closed by')),
                        ('status', models.CharField(choices=[('due', 'Due'), ('planned', 'Planned'), ('in_progress', 'In progress'), ('decision', 'Awaiting decision'), ('closed', 'Closed')], default='due', max_length=16, verbose_name='status')),
                        ('reason', models.TextField(blank=True, verbose_name='reason')),
                        ('planned_date', models.DateField(blank=True, null=True, verbose_name='planned date')),
                        ('mode', models.CharField(blank=True, choices=[('on_site', 'On site'), ('remote', 'Remote')], max_length=16, verbose_name='mode')),
                        ('recomputed_total', models.DecimalField(blank=True, decimal_places=6, max_digits=18, null=True)),
                        ('deviation', models.DecimalField(blank=True, decimal_places=6, max_digits=18, null=True)),
                        ('material', models.BooleanField(blank=True, null=True)),
                        ('report', models.TextField(blank=True, verbose_name='surveillance report')),
                        ('decide_by', models.DateField(blank=True, null=True)),
                        ('outcome', models.CharField(blank=True, choices=[('continued', 'Certificate continued'), ('suspended', 'Certificate suspended'), ('withdrawn', 'Certificate withdrawn'), ('cancelled', 'Not held (certificate ended)'), ('renewed', 'Not held (replaced by the renewal)')], max_length=16, verbose_name='outcome')),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('certificate', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='surveillances', to='certification.certificate')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('dossier_version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='certification.dossierversion')),
                    ],
                    options={
                        'db_table': 'audits_surveillance',
                        'ordering': ['certificate', 'number'],
                    },
                ),
                migrations.CreateModel(
                    name='CertificateRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('voluntary_suspension', 'Voluntary suspension'), ('cancellation', 'Cancellation'), ('change', 'Change')], max_length=24, verbose_name='request')),
                        ('change_kind', models.CharField(blank=True, choices=[('name_or_address', 'Name or address'), ('plant', 'Production plant'), ('product', 'Product modification'), ('factor_library', 'New emission factor library version')], max_length=24, verbose_name='change')),
                        ('description', models.TextField(verbose_name='description')),
                        ('suspend_until', models.DateField(blank=True, null=True, verbose_name='suspended until')),
                        ('status', models.CharField(choices=[('open', 'Awaiting the body'), ('done', 'Done'), ('editorial', 'Editorial: label re-issued'), ('evaluation', 'Needs a partial evaluation')], default='open', max_length=16)),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('decision_comment', models.TextField(blank=True)),
                        ('certificate', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='requests', to='certification.certificate')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('surveillance', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='oversight.surveillance')),
                    ],
                    options={
                        'db_table': 'audits_certificaterequest',
                        'ordering': ['-requested_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='SurveillanceEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=32)),
                        ('from_status', models.CharField(choices=[('due', 'Due'), ('planned', 'Planned'), ('in_progress', 'In progress'), ('decision', 'Awaiting decision'), ('closed', 'Closed')], max_length=16)),
                        ('to_status', models.CharField(choices=[('due', 'Due'), ('planned', 'Planned'), ('in_progress', 'In progress'), ('decision', 'Awaiting decision'), ('closed', 'Closed')], max_length=16)),
                        ('comment', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('surveillance', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='oversight.surveillance')),
                    ],
                    options={
                        'db_table': 'audits_surveillanceevent',
                        'ordering': ['created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='SurveillanceTeamMember',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('is_lead', models.BooleanField(default=False, verbose_name='team lead')),
                        ('declaration', models.CharField(choices=[('pending', 'Not yet declared'), ('no_conflict', 'No conflict of interest'), ('conflict', 'Conflict of interest declared')], default='pending', max_length=16)),
                        ('declared_at', models.DateTimeField(blank=True, null=True)),
                        ('surveillance', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='team', to='oversight.surveillance')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='surveillance_memberships', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'audits_surveillanceteammember',
                        'ordering': ['-is_lead', 'pk'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='appeal',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'refusal'), ('application_event__isnull', False), ('label_event__isnull', True)), models.Q(('kind__in', ['suspension', 'withdrawal']), ('label_event__isnull', False), ('label__isnull', False), ('application_event__isnull', True)), _connector='OR'), name='appeal_names_its_decision'),
                ),
                migrations.AddConstraint(
                    model_name='blacklistlabelreview',
                    constraint=models.UniqueConstraint(fields=('entry', 'label'), name='one_review_per_listing'),
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['body', 'status'], name='audits_comp_body_id_7fb9ec_idx'),
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['status', 'acknowledge_due'], name='audits_comp_status_d67054_idx'),
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['status', 'decision_due'], name='audits_comp_status_6e06d2_idx'),
                ),
                migrations.AddConstraint(
                    model_name='complaint',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ['decided', 'closed']), _negated=True), models.Q(('outcome', ''), _negated=True), _connector='OR'), name='complaint_decided_has_outcome'),
                ),
                migrations.AddConstraint(
                    model_name='samplingitem',
                    constraint=models.UniqueConstraint(fields=('draw', 'certificate'), name='one_item_per_draw'),
                ),
                migrations.AddConstraint(
                    model_name='samplingitem',
                    constraint=models.UniqueConstraint(fields=('draw', 'position'), name='unique_item_position'),
                ),
                migrations.AddConstraint(
                    model_name='supervisionnotice',
                    constraint=models.UniqueConstraint(fields=('certificate', 'kind', 'deadline', 'days_before'), name='one_notice_per_deadline'),
                ),
                migrations.AddIndex(
                    model_name='surveillance',
                    index=models.Index(condition=models.Q(('status', 'closed'), _negated=True), fields=['suspend_after'], name='surveillance_open_deadline'),
                ),
                migrations.AddIndex(
                    model_name='surveillance',
                    index=models.Index(condition=models.Q(('status', 'decision')), fields=['decide_by'], name='surveillance_decide_by'),
                ),
                migrations.AddConstraint(
                    model_name='surveillance',
                    constraint=models.UniqueConstraint(fields=('certificate', 'number'), name='unique_surveillance_number'),
                ),
                migrations.AddConstraint(
                    model_name='surveillanceteammember',
                    constraint=models.UniqueConstraint(fields=('surveillance', 'user'), name='unique_surveillance_member'),
                ),
            ],
            database_operations=[],
        ),
    ]

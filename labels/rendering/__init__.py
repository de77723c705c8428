"""Label artwork, QR codes and certificates, drawn from a plain ``LabelFacts`` value.

Nothing here touches the database: callers build ``LabelFacts`` from their models, so the same
facts always give the same bytes and the output can be cached by ``content_fingerprint``.
Modules are imported one by one (``labels.rendering.qr`` …) because importing WeasyPrint costs
most of a second and only the certificate needs it.
"""

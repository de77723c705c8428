from django import template

register = template.Library()


@register.filter
def event_label(action: str) -> str:
    """A LabelEvent action as people read it, in the page's language."""
    from labels.services import EVENT_LABELS

    return str(EVENT_LABELS.get(action, action))

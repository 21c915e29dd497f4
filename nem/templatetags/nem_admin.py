from django import template

from nem.admin_index import index_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def admin_index_panels(context) -> list[tuple[str, str]]:
    """(title, safe HTML) of every registered admin index panel."""
    request = context.get("request")
    return [(panel.title, panel.render(request)) for panel in index_panels()]

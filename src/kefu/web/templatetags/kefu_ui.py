"""Small pieces of the interface used across templates: ``{% load kefu_ui %}``."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

# Line icons on a 24×24 grid, drawn with the stroke colour of the surrounding text.
# Each is a list of SVG elements: ("path", d) or ("circle", cx, cy, r) or ("rect", x, y, w, h).
ICONS: dict[str, list[tuple]] = {
    "menu": [("path", "M4 6h16M4 12h16M4 18h16")],
    "chevron-down": [("path", "m6 9 6 6 6-6")],
    "check": [("path", "m5 12.5 4.5 4.5L19 7.5")],
    "x": [("path", "M6 6l12 12M18 6 6 18")],
    "globe": [
        ("circle", 12, 12, 9),
        ("path", "M3 12h18"),
        ("path", "M12 3c2.4 2.5 3.7 5.5 3.7 9s-1.3 6.5-3.7 9c-2.4-2.5-3.7-5.5-3.7-9S9.6 5.5 12 3z"),
    ],
    "clock": [("circle", 12, 12, 9), ("path", "M12 7v5l3.2 2")],
    "user": [("circle", 12, 8, 4), ("path", "M4.5 20.5c1.4-3.6 4.3-5.5 7.5-5.5s6.1 1.9 7.5 5.5")],
    "logout": [
        ("path", "M9.5 4H6.5A2.5 2.5 0 0 0 4 6.5v11A2.5 2.5 0 0 0 6.5 20h3"),
        ("path", "m15.5 16.5 4.5-4.5-4.5-4.5M20 12H9.5"),
    ],
    "shield": [("path", "M12 3 19.5 6v5.6c0 4.5-3.1 8.2-7.5 9.4-4.4-1.2-7.5-4.9-7.5-9.4V6z")],
    "grid": [
        ("rect", 3.5, 3.5, 7, 7),
        ("rect", 13.5, 3.5, 7, 7),
        ("rect", 3.5, 13.5, 7, 7),
        ("rect", 13.5, 13.5, 7, 7),
    ],
    "inbox": [
        ("path", "M3.5 13.5h5l1.5 2.5h4l1.5-2.5h5"),
        ("path", "M6 5h12l2.5 8.5v4A2.5 2.5 0 0 1 18 20H6a2.5 2.5 0 0 1-2.5-2.5v-4z"),
    ],
    "phone": [
        (
            "path",
            "M5 4h3.5l1.7 4.3-2.2 1.4a11 11 0 0 0 6.3 6.3l1.4-2.2L20 15.5V19a1.5 1.5 0 0 1-1.6 1.5"
            "C10.6 20 4 13.4 3.5 5.6A1.5 1.5 0 0 1 5 4z",
        )
    ],
    "alert": [("path", "M12 3.5 21 19.5H3z"), ("path", "M12 10v4.5M12 17.2v.1")],
    "return": [("path", "M9 14 4.5 9.5 9 5"), ("path", "M4.5 9.5H15a5 5 0 0 1 0 10h-3")],
    "star": [
        ("path", "m12 3.5 2.6 5.3 5.9.9-4.3 4.1 1 5.8L12 16.9l-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z")
    ],
    "coin": [("circle", 12, 12, 9), ("path", "M9 9.5 12 13l3-3.5M12 13v4.5M9 13.5h6")],
    "box": [
        ("path", "M3.5 7.5 12 3.5l8.5 4v9L12 20.5l-8.5-4z"),
        ("path", "M3.5 7.5 12 11.5l8.5-4M12 11.5v9"),
    ],
    "users": [
        ("circle", 9, 8, 3.5),
        ("path", "M2.5 20c1-3.3 3.5-5 6.5-5s5.5 1.7 6.5 5"),
        ("path", "M16 4.7a3.5 3.5 0 0 1 0 6.6M18 15.3c1.7.7 2.9 2.3 3.5 4.7"),
    ],
    "search": [("circle", 11, 11, 7), ("path", "m20.5 20.5-4.5-4.5")],
    "home": [("path", "M4 11 12 4l8 7v8.5a1 1 0 0 1-1 1h-4.5V15h-5v5.5H5a1 1 0 0 1-1-1z")],
}


def _element(shape: tuple) -> str:
    kind, *args = shape
    if kind == "path":
        return format_html('<path d="{}"/>', args[0])
    if kind == "circle":
        return format_html('<circle cx="{}" cy="{}" r="{}"/>', *args)
    if kind == "rect":
        return format_html('<rect x="{}" y="{}" width="{}" height="{}" rx="1.5"/>', *args)
    raise ValueError(f"unknown SVG element {kind!r}")


@register.simple_tag
def icon(name: str, css_class: str = "", label: str = ""):
    """``{% icon "globe" %}``: an inline SVG icon. Decorative unless given a label."""
    try:
        shapes = ICONS[name]
    except KeyError:
        raise template.TemplateSyntaxError(f"kefu_ui: no icon named {name!r}") from None
    body = format_html_join("", "{}", ((_element(s),) for s in shapes))
    classes = f"icon icon-{name} {css_class}".strip()
    if label:
        return format_html(
            '<svg class="{}" viewBox="0 0 24 24" role="img" aria-label="{}">{}</svg>',
            classes,
            label,
            body,
        )
    return format_html(
        '<svg class="{}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">{}</svg>',
        classes,
        body,
    )


@register.filter
def initial(value) -> str:
    """The first character of a name, for an avatar."""
    text = str(value or "").strip()
    return text[:1].upper() if text else "?"


def _choice(option) -> tuple[str, str]:
    if isinstance(option, (tuple, list)):
        value, label = option[0], option[1]
    elif hasattr(option, "key") and hasattr(option, "label"):  # e.g. a sort order
        value, label = option.key, option.label
    else:  # a model instance: its id and its name (or how it prints)
        value, label = option.pk, getattr(option, "name", None) or str(option)
    return str(value), str(label)


@register.inclusion_tag("web/includes/filter_select.html")
def filter_select(name: str, label, options, selected, any_label, *special, field_id: str = ""):
    """A labelled filter <select>: "any" first, then ``special`` pairs given as
    value, label, value, label … (e.g. "me", _("Me")), then ``options`` (pairs or model
    instances). ``selected`` is a value or a list of values (compared as text)."""
    chosen = (
        {str(v) for v in selected}
        if isinstance(selected, (list, tuple))
        else {"" if selected is None else str(selected)}
    )
    pairs = list(zip(special[::2], special[1::2], strict=True))
    return {
        "id": field_id or f"f-{name}",
        "name": name,
        "label": label,
        "any_label": any_label,
        "choices": [
            (value, text, value in chosen)
            for value, text in [*(_choice(p) for p in pairs), *(_choice(o) for o in options)]
        ],
    }

"""Charts drawn on the server as SVG: no script, no chart library from elsewhere. Each is an
image with a title and a description that says what it shows in words (``role="img"``,
``aria-labelledby``); the page puts the same figures in a table beside it, so nothing is only
in the picture. Bars differ in pattern as well as colour, for those who cannot tell the
colours apart."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from medskapa.followup.domain import Figures
from medskapa.i18n import N_, _

# (field, legend, fill, pattern id or None): contrast of at least 3:1 against white for each.
SERIES = (
    ("received", N_("Inkomna"), "#1d4f91", None),
    ("answered", N_("Besvarade"), "#2f7d32", "ranad"),
    ("changed", N_("Ledde till ändring"), "#8a3b12", "prickad"),
)
_DEFS = (
    '<defs><pattern id="{id}-ranad" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#2f7d32"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern>'
    '<pattern id="{id}-prickad" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect width="6" height="6" fill="#8a3b12"/><circle cx="3" cy="3" r="1.3" fill="#fff"/>'
    "</pattern></defs>"
)
WIDTH = 720
HEIGHT = 300
LEFT = 44
BOTTOM = 56
TOP = 28


def _scale_top(largest: int) -> int:
    """A round number at or above the largest bar, so the axis reads in whole steps."""
    if largest <= 4:
        return 4
    step = 1
    while largest > step * 10:
        step *= 10
    for factor in (1, 2, 2.5, 5, 10):
        top = int(step * factor)
        if top >= largest and top % 4 == 0:
            return top
    return step * 10


def _fill(chart_id: str, series: tuple[str, str, str, str | None]) -> str:
    _, _, colour, pattern = series
    return f"url(#{chart_id}-{pattern})" if pattern else colour


def period_chart(chart_id: str, title: str, rows: Sequence[Figures]) -> Markup:
    """Received, answered and changed items per period as grouped bars."""
    total = sum(r.received for r in rows)
    busiest = max(rows, key=lambda r: r.received, default=None)
    if busiest is None or total == 0:
        description = _("Inga synpunkter kom in under perioden.")
    else:
        description = _(
            "%(total)s synpunkter kom in under %(periods)s perioder, flest under %(busiest)s "
            "(%(most)s). Av dem har %(answered)s besvarats och %(changed)s lett till ändrad "
            "text. Siffrorna finns också i tabellen."
        ) % {
            "total": total,
            "periods": len(rows),
            "busiest": busiest.label,
            "most": busiest.received,
            "answered": sum(r.answered for r in rows),
            "changed": sum(r.changed for r in rows),
        }
    top = _scale_top(max((r.received for r in rows), default=0))
    plot_w = WIDTH - LEFT - 8
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(rows), 1)
    bar = max(slot * 0.8 / len(SERIES), 0.5)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-titel {chart_id}-beskrivning" '
        'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-titel">{escape(title)}</title>',
        f'<desc id="{chart_id}-beskrivning">{escape(description)}</desc>',
        _DEFS.format(id=chart_id),
    ]
    for i in range(5):
        value = top * i // 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c8c8c8"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{value}'
            "</text>"
        )
    every = max(1, len(rows) // 12)
    for index, row in enumerate(rows):
        x0 = LEFT + slot * index + slot * 0.1
        for n, series in enumerate(SERIES):
            value = getattr(row, series[0])
            h = plot_h * value / top
            parts.append(
                f'<rect x="{x0 + n * bar:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{_fill(chart_id, series)}"/>'
            )
        if index % every == 0:
            x = LEFT + slot * index + slot / 2
            parts.append(
                f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                f'font-size="11">{escape(row.label)}</text>'
            )
    x = LEFT
    for series in SERIES:
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 18}" width="14" height="14" '
            f'fill="{_fill(chart_id, series)}"/>'
            f'<text x="{x + 20}" y="{HEIGHT - 6}" font-size="13">{escape(_(series[1]))}</text>'
        )
        x += 40 + 8 * len(_(series[1]))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above went through escape())


def bar_chart(chart_id: str, title: str, rows: Sequence[Figures]) -> Markup:
    """Received items per row (a category, a document ...) as horizontal bars, with the
    number at the end of each."""
    shown = list(rows)[:12]
    total = sum(r.received for r in rows)
    if not shown or total == 0:
        description = _("Inga synpunkter att visa.")
    else:
        description = _(
            "%(total)s synpunkter fördelade på %(count)s rader; flest i %(first)s (%(most)s). "
            "Siffrorna finns också i tabellen."
        ) % {
            "total": total,
            "count": len(rows),
            "first": shown[0].label,
            "most": shown[0].received,
        }
    top = max((r.received for r in shown), default=0) or 1
    line = 26
    height = TOP + line * len(shown) + 8
    label_w = 230
    plot_w = WIDTH - label_w - 56
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-titel {chart_id}-beskrivning" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-titel">{escape(title)}</title>',
        f'<desc id="{chart_id}-beskrivning">{escape(description)}</desc>',
    ]
    for index, row in enumerate(shown):
        y = TOP + index * line
        w = plot_w * row.received / top
        label = row.label if len(row.label) <= 34 else row.label[:33] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="16" fill="#1d4f91"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="13">{row.received}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above went through escape())

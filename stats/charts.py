"""Bar charts as plain geometry, drawn as inline SVG by the templates (no JavaScript).

Each chart is a list of rows; a row is a label and one or more bars. Every bar carries its
number as text, so colour is never the only way to read it, and every chart is followed by a
table with the same numbers.
"""

from dataclasses import dataclass, field

LABEL_WIDTH = 290
PLOT_WIDTH = 380
VALUE_WIDTH = 90
BAR_HEIGHT = 18
BAR_GAP = 4
ROW_GAP = 12
TOP = 8
# Dark enough against white for the 3:1 that WCAG asks of graphics, and told apart by text.
COLOURS = ("#1f4e79", "#8a4b00", "#2d6a2e", "#6b1f7a", "#7a1010")


@dataclass
class Bar:
    label: str
    value: int
    y: int
    width: float
    colour: str
    text: str

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT * 0.75

    @property
    def text_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass
class Row:
    label: str
    y: int
    bars: list[Bar] = field(default_factory=list)

    @property
    def label_y(self) -> float:
        return self.y + BAR_HEIGHT * 0.75


@dataclass
class Chart:
    key: str
    title: str
    description: str
    rows: list[Row]
    height: int
    width: int = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    label_x: int = LABEL_WIDTH - 8
    plot_x: int = LABEL_WIDTH

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def bar_chart(
    *,
    key: str,
    title: str,
    description: str,
    rows: list[tuple[str, list[tuple[str, int, str]]]],
) -> Chart:
    """rows: [(row label, [(bar label, value, text shown after the bar)])]."""
    largest = max((value for _label, bars in rows for _bar, value, _text in bars), default=0)
    scale = PLOT_WIDTH / largest if largest else 0
    y = TOP
    drawn = []
    for label, bars in rows:
        row = Row(label=label, y=y)
        for index, (bar_label, value, text) in enumerate(bars):
            row.bars.append(
                Bar(
                    label=bar_label,
                    value=value,
                    y=y,
                    width=round(value * scale, 1),
                    colour=COLOURS[index % len(COLOURS)],
                    text=text,
                )
            )
            y += BAR_HEIGHT + BAR_GAP
        y += ROW_GAP - BAR_GAP
        drawn.append(row)
    return Chart(key=key, title=title, description=description, rows=drawn, height=y + TOP)

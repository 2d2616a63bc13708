//! Bar chart geometry for figures drawn as inline SVG by the server (no script, no chart
//! library: municipal networks are closed and the CSP forbids inline script and style).
//!
//! The layout is in `viewBox` units; the browser scales the drawing to the width it gets, so
//! one layout serves a phone (390 px) and a desk. Pure arithmetic, so it is tested here.

/// Width of every chart's `viewBox`.
pub const WIDTH: f64 = 480.0;
/// Horizontal charts: width kept for the category labels (right-aligned before the bars).
const LABEL_WIDTH: f64 = 184.0;
/// Horizontal charts: room after the longest bar for its value.
const VALUE_WIDTH: f64 = 44.0;
/// Horizontal charts: height of one row and of its bar.
const ROW: f64 = 28.0;
const BAR: f64 = 18.0;
/// Label font size in viewBox units; the label fitting below assumes it. With a 480-unit
/// view box on a 390 px phone (about 358 px of content) it draws at about 12 px.
pub const FONT: f64 = 16.0;
/// Column charts: height of the plot, room above it for values and below it for labels.
const PLOT: f64 = 160.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 24.0;
/// Column charts show at most this many axis labels (every k-th column beyond that).
const MAX_AXIS_LABELS: usize = 12;

/// One bar and where its texts go.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Full label (the table beside the chart carries it too).
    pub label: String,
    /// The label as drawn: shortened with "…" when it would not fit, empty when a column
    /// chart skips it.
    pub short_label: String,
    /// The value.
    pub value: i64,
    /// Rectangle: top-left corner and size.
    pub x: f64,
    /// Rectangle top.
    pub y: f64,
    /// Rectangle width.
    pub width: f64,
    /// Rectangle height.
    pub height: f64,
    /// Anchor of the label text.
    pub label_x: f64,
    /// Baseline of the label text.
    pub label_y: f64,
    /// Anchor of the value text.
    pub value_x: f64,
    /// Baseline of the value text.
    pub value_y: f64,
}

/// A laid-out chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// `viewBox` width.
    pub width: f64,
    /// `viewBox` height.
    pub height: f64,
    /// The bars, in the order given.
    pub bars: Vec<Bar>,
    /// The largest value (0 when every value is 0 or there are none).
    pub max: i64,
    /// Where the axis line runs: `(x1, y1, x2, y2)`.
    pub axis: (f64, f64, f64, f64),
}

/// Round to one decimal so the SVG stays short and stable.
fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Length of `value` scaled to `span` against `max`; a non-zero value gets at least one unit so
/// a small count stays visible next to a large one.
fn scaled(value: i64, max: i64, span: f64) -> f64 {
    if value <= 0 || max <= 0 {
        return 0.0;
    }
    // Counts are far below 2^52, so the conversion is exact.
    let len = value as f64 / max as f64 * span;
    r1(len.max(1.0))
}

/// Approximate drawn width of text in ems: ASCII half width, everything else full width.
fn ems(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum()
}

/// `label` shortened to at most `max_ems` (ending in "…" when shortened).
pub fn fit_label(label: &str, max_ems: f64) -> String {
    if ems(label) <= max_ems {
        return label.to_string();
    }
    let mut out = String::new();
    let mut used = 1.0; // the ellipsis
    for c in label.chars() {
        let w = if c.is_ascii() { 0.55 } else { 1.0 };
        if used + w > max_ems {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Horizontal bars, one row per category, labels on the left and values after the bars.
pub fn horizontal(items: &[(String, i64)]) -> Chart {
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(0);
    let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let label_ems = (LABEL_WIDTH - 8.0) / FONT;
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let y = 4.0 + ROW * i as f64;
            let width = scaled(*value, max, span);
            Bar {
                label: label.clone(),
                short_label: fit_label(label, label_ems),
                value: *value,
                x: LABEL_WIDTH,
                y: r1(y + (ROW - BAR) / 2.0),
                width,
                height: BAR,
                label_x: LABEL_WIDTH - 6.0,
                label_y: r1(y + ROW / 2.0 + FONT * 0.35),
                value_x: r1(LABEL_WIDTH + width + 6.0),
                value_y: r1(y + ROW / 2.0 + FONT * 0.35),
            }
        })
        .collect::<Vec<_>>();
    let height = 8.0 + ROW * bars.len() as f64;
    Chart {
        width: WIDTH,
        height,
        bars,
        max,
        axis: (LABEL_WIDTH, 2.0, LABEL_WIDTH, height - 2.0),
    }
}

/// Vertical columns in time order (e.g. the twelve months of a fiscal year), values above the
/// columns and labels below; with many columns only every k-th label is drawn.
pub fn columns(items: &[(String, i64)]) -> Chart {
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(0);
    let n = items.len().max(1);
    let slot = (WIDTH - 8.0) / n as f64;
    let bar_width = r1((slot * 0.6).max(1.0));
    let step = n.div_ceil(MAX_AXIS_LABELS).max(1);
    let base = TOP + PLOT;
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let centre = 4.0 + slot * (i as f64 + 0.5);
            let height = scaled(*value, max, PLOT);
            let short_label = if i % step == 0 {
                fit_label(label, slot * step as f64 / FONT)
            } else {
                String::new()
            };
            Bar {
                label: label.clone(),
                short_label,
                value: *value,
                x: r1(centre - bar_width / 2.0),
                y: r1(base - height),
                width: bar_width,
                height,
                label_x: r1(centre),
                label_y: r1(base + BOTTOM - 6.0),
                value_x: r1(centre),
                value_y: r1(base - height - 4.0),
            }
        })
        .collect();
    Chart {
        width: WIDTH,
        height: TOP + PLOT + BOTTOM,
        bars,
        max,
        axis: (4.0, base, WIDTH - 4.0, base),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(v: &[i64]) -> Vec<(String, i64)> {
        v.iter()
            .enumerate()
            .map(|(i, n)| (format!("項目{i}"), *n))
            .collect()
    }

    #[test]
    fn horizontal_bars_are_proportional_and_stay_inside_the_view_box() {
        let c = horizontal(&items(&[10, 5, 0, 1]));
        assert_eq!(c.max, 10);
        assert_eq!(c.bars.len(), 4);
        let full = c.bars[0].width;
        assert!((full - (WIDTH - LABEL_WIDTH - VALUE_WIDTH)).abs() < 0.05);
        assert!((c.bars[1].width - full / 2.0).abs() < 0.1);
        // A zero draws nothing; a one among tens is still visible.
        assert_eq!(c.bars[2].width, 0.0);
        assert!(c.bars[3].width >= 1.0);
        for (i, b) in c.bars.iter().enumerate() {
            assert!(b.x + b.width + VALUE_WIDTH <= c.width + 0.05);
            assert!(b.y >= 0.0 && b.y + b.height <= c.height);
            if i > 0 {
                assert!(
                    b.y >= c.bars[i - 1].y + c.bars[i - 1].height,
                    "rows overlap"
                );
            }
        }
    }

    #[test]
    fn all_zero_or_empty_charts_draw_no_bars() {
        let c = horizontal(&items(&[0, 0]));
        assert_eq!(c.max, 0);
        assert!(c.bars.iter().all(|b| b.width == 0.0));
        let c = columns(&[]);
        assert!(c.bars.is_empty());
        assert!(c.height > 0.0);
    }

    #[test]
    fn columns_share_the_baseline_and_thin_out_labels() {
        let c = columns(&items(&[3, 6, 0, 6, 1, 2, 3, 4, 5, 6, 7, 8]));
        let base = c.axis.1;
        for b in &c.bars {
            assert!((b.y + b.height - base).abs() < 0.11, "{b:?}");
            assert!(b.x >= 0.0 && b.x + b.width <= c.width);
            assert!(!b.short_label.is_empty(), "twelve months: every label");
        }
        assert_eq!(c.bars[11].height, PLOT, "the largest value fills the plot");
        assert_eq!(c.bars[2].height, 0.0);
        let many = columns(&items(&[1; 36]));
        let drawn = many
            .bars
            .iter()
            .filter(|b| !b.short_label.is_empty())
            .count();
        assert!(drawn <= MAX_AXIS_LABELS, "{drawn}");
        assert!(many.bars.windows(2).all(|w| w[0].x < w[1].x));
    }

    #[test]
    fn long_labels_are_shortened_with_an_ellipsis() {
        assert_eq!(fit_label("電話", 5.0), "電話");
        let s = fit_label("人工呼吸器の管理（気管切開を含む）", 6.0);
        assert_eq!(s.chars().count(), 6);
        assert!(s.ends_with('…'));
        assert!(ems(&fit_label("Telephone consultation by family", 8.0)) <= 8.0);
    }
}

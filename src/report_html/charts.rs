//! report.html's charts, drawn by plotters to SVG strings that the page inlines: bars over
//! categories (vertical or horizontal), the near-drop similarity histogram with the threshold,
//! and the LSH S-curve.
//!
//! A chart that cannot be drawn becomes a short note in the page, never a failed run. The
//! SVG depends only on the numbers given (no fonts are read: plotters measures text
//! naively and the browser renders it), so a page is byte-identical across runs.

use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::escape;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

/// Bar colour (a calm blue) and the second series' colour (orange).
const BLUE: RGBColor = RGBColor(70, 120, 190);
const ORANGE: RGBColor = RGBColor(230, 140, 40);
const RED: RGBColor = RGBColor(200, 40, 40);
const FONT: &str = "sans-serif";

/// Draws a chart of `w` × `h` pixels into an SVG string; a drawing error becomes a note.
fn svg(w: u32, h: u32, draw: impl FnOnce(&Area) -> Drawn) -> String {
    let mut s = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        draw(&root).and_then(|()| root.present().map_err(Into::into))
    };
    match result {
        Ok(()) => s,
        Err(e) => format!(
            "<p class=\"note\">chart not drawn: {}</p>",
            escape(&e.to_string())
        ),
    }
}

/// The end of the integer range whose segments are `labels` categories: plotters segments
/// `0..n` into n + 1 (its key points include both ends), so one fewer; at least one.
fn segments(labels: usize) -> i32 {
    (labels.max(2) - 1) as i32
}

/// One series of bars: its name (for the legend) and one value per category.
pub(crate) struct Series<'a> {
    pub(crate) name: &'a str,
    pub(crate) values: Vec<f64>,
}

/// Vertical bars over `labels`; a second series is drawn narrower inside the first, so that
/// two distributions over the same bins read side by side.
pub(crate) fn bars(labels: &[String], series: &[Series], x_desc: &str, y_desc: &str) -> String {
    let n = segments(labels.len());
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0f64, f64::max);
    let top = if top > 0.0 { top * 1.12 } else { 1.0 };
    svg(560, 300, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d((0..n).into_segmented(), 0.0..top)?;
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        let count = |v: &f64| count_tick(*v);
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .disable_x_mesh()
            .x_labels(labels.len() + 1)
            .x_label_formatter(&label)
            .y_label_formatter(&count)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()?;
        for (k, s) in series.iter().enumerate() {
            let color = if k == 0 {
                BLUE.mix(0.75)
            } else {
                ORANGE.mix(0.9)
            };
            let inset = if k == 0 { 2 } else { 7 };
            chart
                .draw_series(s.values.iter().enumerate().map(|(i, &v)| {
                    let i = i as i32;
                    let mut r = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), 0.0),
                            (SegmentValue::Exact(i + 1), v),
                        ],
                        color.filled(),
                    );
                    r.set_margin(0, 0, inset, inset);
                    r
                }))?
                .label(s.name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK.mix(0.3))
                .label_font((FONT, 12))
                .draw()?;
        }
        Ok(())
    })
}

/// Horizontal bars: one per label, value on the x axis.
pub(crate) fn hbars(labels: &[String], values: &[f64], x_desc: &str) -> String {
    let n = segments(labels.len());
    let top = values.iter().copied().fold(0.0f64, f64::max);
    let top = if top > 0.0 { top * 1.1 } else { 1.0 };
    let h = 60 + 26 * labels.len() as u32;
    svg(560, h, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(120)
            .build_cartesian_2d(0.0..top, (0..n).into_segmented())?;
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        let count = |v: &f64| format_count(*v);
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .disable_y_mesh()
            .y_labels(labels.len() + 1)
            .y_label_formatter(&label)
            .x_label_formatter(&count)
            .x_desc(x_desc)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()?;
        chart.draw_series(values.iter().enumerate().map(|(i, &v)| {
            let i = i as i32;
            let mut r = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (v, SegmentValue::Exact(i + 1)),
                ],
                BLUE.mix(0.75).filled(),
            );
            r.set_margin(3, 3, 0, 0);
            r
        }))?;
        Ok(())
    })
}

/// The similarity histogram of near drops: bars between `edges`, the threshold as a red line.
pub(crate) fn similarity(edges: &[f64], counts: &[u64], threshold: f64) -> String {
    let lo = edges.first().copied().unwrap_or(threshold).min(threshold) - 0.01;
    let top = counts.iter().copied().max().unwrap_or(0) as f64;
    let top = if top > 0.0 { top * 1.12 } else { 1.0 };
    svg(560, 300, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(lo..1.0, 0.0..top)?;
        let count = |v: &f64| count_tick(*v);
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .disable_x_mesh()
            .y_label_formatter(&count)
            .x_desc("Jaccard similarity to the kept document")
            .y_desc("near drops")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()?;
        chart.draw_series(edges.windows(2).zip(counts).map(|(e, &c)| {
            let mut r = Rectangle::new([(e[0], 0.0), (e[1], c as f64)], BLUE.mix(0.75).filled());
            r.set_margin(0, 0, 1, 1);
            r
        }))?;
        chart
            .draw_series(LineSeries::new(
                [(threshold, 0.0), (threshold, top)],
                RED.stroke_width(2),
            ))?
            .label(format!("threshold {threshold}"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], RED.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    })
}

/// The S-curve of `bands` × `rows` LSH banding: the probability that a pair at each Jaccard
/// similarity becomes a candidate, with the threshold and the report's tabulated points.
pub(crate) fn s_curve(bands: usize, rows: usize, threshold: f64, points: &[(f64, f64)]) -> String {
    let banding = crate::near::lsh::Banding { bands, rows };
    svg(560, 300, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..1.0, 0.0..1.05)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("Jaccard similarity of a pair")
            .y_desc("P(candidate)")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                (0..=200).map(|i| {
                    let s = f64::from(i) / 200.0;
                    (s, banding.candidate_probability(s))
                }),
                BLUE.stroke_width(2),
            ))?
            .label(format!("{bands} bands × {rows} rows"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BLUE.stroke_width(2)));
        chart.draw_series(
            points
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 3, BLUE.filled())),
        )?;
        chart
            .draw_series(LineSeries::new(
                [(threshold, 0.0), (threshold, 1.05)],
                RED.stroke_width(2),
            ))?
            .label(format!("threshold {threshold}"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], RED.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    })
}

/// A tick of an axis of counts: fractional ticks (0.2 of a document) are left blank.
fn count_tick(v: f64) -> String {
    if v.fract() == 0.0 {
        format_count(v)
    } else {
        String::new()
    }
}

/// An axis value as a short count: `950`, `1.2k`, `3.4M`; fractions with up to three
/// decimals (`0.004`, `1.25`).
pub(crate) fn format_count(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A byte count as binary units: `512 B`, `4 KiB`, `2 MiB`.
pub(crate) fn format_bytes(v: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = v as f64;
    let mut u = 0;
    while x >= 1024.0 && u < UNITS.len() - 1 {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 || x.fract() == 0.0 {
        format!("{x:.0} {}", UNITS[u])
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg() {
        let labels = vec!["a".to_owned(), "b".to_owned()];
        let s = bars(
            &labels,
            &[Series {
                name: "x",
                values: vec![1.0, 3.0],
            }],
            "x",
            "y",
        );
        assert!(s.starts_with("<svg"), "{s}");
        assert!(hbars(&labels, &[0.5, 2.0], "s").starts_with("<svg"));
        assert!(similarity(&[0.8, 0.81], &[2], 0.8).contains("threshold 0.8"));
        assert!(s_curve(16, 6, 0.8, &[(0.5, 0.2)]).starts_with("<svg"));
        // Nothing to draw is still a chart.
        assert!(bars(&[], &[], "x", "y").starts_with("<svg"));
    }

    #[test]
    fn units_read_short() {
        assert_eq!(format_count(950.0), "950");
        assert_eq!(format_count(1200.0), "1.2k");
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(4096), "4 KiB");
        assert_eq!(format_bytes(1536), "1.5 KiB");
    }
}

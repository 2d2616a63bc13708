//! The statistics page (`/reports`) and its CSV (`/reports.csv`): 延べ件数・実人数 and every
//! breakdown as a table, each beside a bar chart drawn by the server as inline SVG
//! (`domain::chart` lays it out; no script, nothing from elsewhere, no inline style).
//! Categories follow the code lists' order and zero rows stay, so two periods compare line by
//! line. The figures are aggregates, not personal data, so — like the page and the API — the
//! download is not audited.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::Query;
use chrono::{Datelike, NaiveDate};
use domain::chart::{self, Chart};
use domain::dates::{FiscalYear, ReportAgeBand};
use domain::export::{CsvEncoding, CsvWriter};
use domain::vocab::VocabKind;
use domain::{Lang, ValidationErrors};
use serde::Deserialize;
use store::reports::{ConsultationReport, Count, NO_CARE, UNKNOWN};
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::ui::{page_status, FormErrors, Layout, PageResult};
use crate::AppState;

/// One breakdown: its rows (label and count, in list order) and their chart.
pub struct Section {
    /// Element id prefix (also the CSV's section code).
    pub id: &'static str,
    /// Heading.
    pub title: &'static str,
    /// Rows as shown in the table.
    pub rows: Vec<Row>,
    /// The chart of the same rows.
    pub chart: Chart,
    /// Columns over time (the months) rather than horizontal bars.
    pub columns: bool,
    /// One sentence describing the chart for screen readers.
    pub summary: String,
}

/// One table row.
pub struct Row {
    /// Code as in the API (`unknown` for 不明・対象外).
    pub key: String,
    /// Label in the page's language.
    pub label: String,
    /// Count.
    pub count: i64,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    l: Layout,
    from: String,
    to: String,
    report: Option<ConsultationReport>,
    sections: Vec<Section>,
    errors: FormErrors,
    period_label: String,
    csv_cp932: String,
    csv_utf8: String,
}

/// Query of the page and the CSV.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportQuery {
    from: String,
    to: String,
    encoding: String,
}

/// Label of a month in the table: 和暦 and the ISO month in Japanese, the ISO month in English.
fn month_label(tr: Tr, ym: &str) -> String {
    NaiveDate::parse_from_str(&format!("{ym}-01"), "%Y-%m-%d")
        .map(|d| {
            if tr.is_ja() {
                format!("{}（{}）", domain::dates::wareki_year_month(d), ym)
            } else {
                ym.to_string()
            }
        })
        .unwrap_or_else(|_| ym.to_string())
}

/// Short label of a month under its column: 「4月」/"Apr" within one year's span, else the
/// ISO month (a longer period repeats month names).
fn month_axis_label(tr: Tr, ym: &str, many_years: bool) -> String {
    match NaiveDate::parse_from_str(&format!("{ym}-01"), "%Y-%m-%d") {
        Ok(_) if many_years => ym.to_string(),
        Ok(d) if tr.is_ja() => format!("{}月", d.month()),
        Ok(d) => d.format("%b").to_string(),
        Err(_) => ym.to_string(),
    }
}

fn unknown_label(tr: Tr) -> String {
    tr.t("report.unknown").to_string()
}

/// The rows of every breakdown, labelled, in the order the report lists them.
pub fn sections(tr: Tr, r: &ConsultationReport) -> Vec<Section> {
    let vocab_rows = |kind: VocabKind, counts: &[Count]| -> Vec<Row> {
        counts
            .iter()
            .map(|c| Row {
                key: c.key.clone(),
                label: tr.vocab(kind, &c.key),
                count: c.count,
            })
            .collect()
    };
    let many_years = r.by_month.len() > 12;
    let months: Vec<Row> = r
        .by_month
        .iter()
        .map(|c| Row {
            key: c.key.clone(),
            label: month_label(tr, &c.key),
            count: c.count,
        })
        .collect();
    let month_axis: Vec<(String, i64)> = r
        .by_month
        .iter()
        .map(|c| (month_axis_label(tr, &c.key, many_years), c.count))
        .collect();
    let ages = r
        .by_age_band
        .iter()
        .map(|c| Row {
            key: c.key.clone(),
            label: ReportAgeBand::parse(&c.key)
                .map(|b| b.label(tr.0).to_string())
                .unwrap_or_else(|| unknown_label(tr)),
            count: c.count,
        })
        .collect();
    let municipalities = r
        .by_municipality
        .iter()
        .map(|c| Row {
            key: c.key.clone(),
            label: if c.key == UNKNOWN {
                unknown_label(tr)
            } else {
                domain::municipality::full_name(&c.key).unwrap_or_else(|| c.key.clone())
            },
            count: c.count,
        })
        .collect();
    let care = r
        .by_medical_care
        .iter()
        .map(|c| Row {
            key: c.key.clone(),
            label: match c.key.as_str() {
                UNKNOWN => unknown_label(tr),
                NO_CARE => tr.t("report.no_care").to_string(),
                code => tr.vocab(VocabKind::MedicalCareItem, code),
            },
            count: c.count,
        })
        .collect();
    let mut out = vec![section(
        tr,
        "month",
        "report.by_month",
        months,
        Some(month_axis),
    )];
    for (id, title, rows) in [
        (
            "channel",
            "report.by_channel",
            vocab_rows(VocabKind::ConsultationChannel, &r.by_channel),
        ),
        (
            "requester",
            "report.by_requester",
            vocab_rows(VocabKind::RequesterKind, &r.by_requester_kind),
        ),
        (
            "topic",
            "report.by_topic",
            vocab_rows(VocabKind::ConsultationTopic, &r.by_topic),
        ),
        ("age", "report.by_age_band", ages),
        ("municipality", "report.by_municipality", municipalities),
        ("care", "report.by_medical_care", care),
    ] {
        out.push(section(tr, id, title, rows, None));
    }
    out
}

/// A section with its chart; `axis` = column labels for a chart over time.
fn section(
    tr: Tr,
    id: &'static str,
    title_key: &'static str,
    rows: Vec<Row>,
    axis: Option<Vec<(String, i64)>>,
) -> Section {
    let columns = axis.is_some();
    let chart = match axis {
        Some(items) => chart::columns(&items),
        None => chart::horizontal(
            &rows
                .iter()
                .map(|r| (r.label.clone(), r.count))
                .collect::<Vec<_>>(),
        ),
    };
    let summary = summary(tr, tr.t(title_key), &rows);
    Section {
        id,
        title: tr.t(title_key),
        rows,
        chart,
        columns,
        summary,
    }
}

/// "相談方法別の棒グラフ。9区分。最多は「電話」12件。" — what a sighted reader takes from the
/// chart at a glance; the table beside it has every value.
fn summary(tr: Tr, title: &str, rows: &[Row]) -> String {
    let top = rows
        .iter()
        .filter(|r| r.count > 0)
        .max_by_key(|r| r.count)
        .map(|r| {
            tr.t("report.chart_top")
                .replace("{label}", &r.label)
                .replace("{count}", &r.count.to_string())
        })
        .unwrap_or_else(|| tr.t("report.chart_empty").to_string());
    tr.t("report.chart_summary")
        .replace("{title}", title)
        .replace("{n}", &rows.len().to_string())
        .replace("{top}", &top)
}

fn period_label(lang: Lang, from: &str, to: &str) -> String {
    match (
        NaiveDate::parse_from_str(from, "%Y-%m-%d"),
        NaiveDate::parse_from_str(to, "%Y-%m-%d"),
    ) {
        (Ok(f), Ok(t)) if lang == Lang::Ja => format!(
            "{} 〜 {}",
            domain::dates::wareki(f),
            domain::dates::wareki(t)
        ),
        _ => format!("{from} – {to}"),
    }
}

/// GET /reports — 延べ件数・実人数 and breakdowns for a period (default: this fiscal year),
/// each breakdown as a chart and a table.
pub async fn page(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let today = a.today();
    let (report, errors, from, to) = match parse_period(&q.from, &q.to, today) {
        Ok((f, t)) => match state.store.consultation_report(a.actor(), f, t).await {
            Ok(r) => (Some(r), FormErrors::default(), f.to_string(), t.to_string()),
            Err(StoreError::Validation(e)) => (
                None,
                FormErrors::from(&e, a.lang),
                q.from.clone(),
                q.to.clone(),
            ),
            Err(e) => return Err(e.into()),
        },
        Err(e) => (
            None,
            FormErrors::from(&e, a.lang),
            q.from.clone(),
            q.to.clone(),
        ),
    };
    let tr = Tr(a.lang);
    let sections = report.as_ref().map(|r| sections(tr, r)).unwrap_or_default();
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // Only a valid period gets download links, so the dates need no escaping.
    let csv = |e: CsvEncoding| format!("/reports.csv?from={from}&to={to}&encoding={}", e.code());
    page_status(
        status,
        &ReportsPage {
            l: Layout::for_user(&a, "/reports"),
            period_label: period_label(a.lang, &from, &to),
            csv_cp932: csv(CsvEncoding::Cp932),
            csv_utf8: csv(CsvEncoding::Utf8Bom),
            from,
            to,
            report,
            sections,
            errors,
        },
    )
}

/// The page's figures as CSV rows: section, code, label, count.
fn report_csv(
    tr: Tr,
    r: &ConsultationReport,
    encoding: CsvEncoding,
) -> Result<Vec<u8>, domain::export::ExportError> {
    let header = [
        tr.t("report.csv_section"),
        tr.t("report.csv_code"),
        tr.t("report.csv_label"),
        tr.t("report.csv_count"),
    ];
    let mut w = CsvWriter::new(encoding, &header)?;
    let period = format!("{}..{}", r.from, r.to);
    w.write_row(&[tr.t("report.csv_period"), "", &period, ""])?;
    let totals_title = tr.t("report.csv_totals");
    for (code, key, n) in [
        ("total", "report.total", r.total),
        ("distinct_people", "report.distinct", r.distinct_people),
        ("unidentified", "report.unidentified", r.unidentified),
    ] {
        w.write_row(&[totals_title, code, tr.t(key), &n.to_string()])?;
    }
    for s in sections(tr, r) {
        for row in &s.rows {
            w.write_row(&[s.title, &row.key, &row.label, &row.count.to_string()])?;
        }
    }
    w.finish()
}

/// GET /reports.csv?from=&to=&encoding=cp932|utf8 — the page's figures (same period and
/// scope) as CSV, CP932 by default for Excel.
pub async fn csv(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let encoding = crate::ui::csv_encoding(&q.encoding)?;
    let (from, to) = parse_period(&q.from, &q.to, a.today())
        .map_err(|e| WebError::store(StoreError::Validation(e)))?;
    let r = state.store.consultation_report(a.actor(), from, to).await?;
    let bytes =
        report_csv(Tr(a.lang), &r, encoding).map_err(|e| WebError::store(e.to_field_error()))?;
    let filename = format!(
        "consultations-{}-{}.csv",
        from.format("%Y%m%d"),
        to.format("%Y%m%d")
    );
    crate::ui::csv_download(bytes, encoding, &filename)
}

// The API shares this parser.

/// Parse a report period; empty = the current fiscal year.
pub fn parse_period(
    q_from: &str,
    q_to: &str,
    today: chrono::NaiveDate,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate), ValidationErrors> {
    let fy = FiscalYear::of(today);
    let mut e = ValidationErrors::new();
    let from = if q_from.trim().is_empty() {
        Some(fy.start())
    } else {
        e.check(domain::dates::parse_date("from", q_from))
    };
    let to = if q_to.trim().is_empty() {
        Some(fy.end())
    } else {
        e.check(domain::dates::parse_date("to", q_to))
    };
    e.into_result()?;
    match (from, to) {
        (Some(f), Some(t)) => Ok((f, t)),
        _ => Err(ValidationErrors::new()),
    }
}

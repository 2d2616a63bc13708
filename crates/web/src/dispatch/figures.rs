//! Dispatch figures for a fiscal year (派遣実績).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::Query;
use domain::dates::FiscalYear;
use serde::Deserialize;
use store::dispatch::DispatchFigures;

use crate::auth::Authed;
use crate::ui::{page_status, Layout, PageResult};
use crate::AppState;

use super::{area_labels, topic_label};

#[derive(Template)]
#[template(path = "dispatch_figures.html")]
struct FiguresPage {
    l: Layout,
    f: DispatchFigures,
    fy_label: String,
    /// The year before, while it is not before the 2021 law that created the centers.
    prev: Option<i32>,
    /// The year after, while it is not after the current one.
    next: Option<i32>,
}

impl FiguresPage {
    fn place(&self, code: &str) -> String {
        area_labels(&[code.to_string()])
    }
    fn topic(&self, code: &str) -> String {
        topic_label(code, self.l.tr.0)
    }
    fn median(&self) -> String {
        self.f
            .median_days_to_accept
            .map(|d| format!("{d:.1}"))
            .unwrap_or_else(|| "—".into())
    }
    fn declined(&self) -> String {
        self.f
            .declined_percent
            .map(|d| format!("{d:.1}%"))
            .unwrap_or_else(|| "—".into())
    }
}

#[derive(utoipa::IntoParams, Deserialize, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct FyQuery {
    fy: String,
}

/// The first fiscal year with figures to show: the 2021 law (医療的ケア児支援法) created the
/// support centers. Links do not lead before it, nor past the current year.
const FIRST_FISCAL_YEAR: i32 = 2021;

pub(super) fn fiscal_year(q: &FyQuery, today: chrono::NaiveDate) -> FiscalYear {
    FiscalYear::parse(&q.fy).unwrap_or_else(|| FiscalYear::of(today))
}

/// GET /dispatch/figures?fy=2026
pub async fn figures(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<FyQuery>,
) -> PageResult {
    let fy = fiscal_year(&q, a.today());
    let f = state.store.dispatch_figures(a.actor(), fy).await?;
    page_status(
        StatusCode::OK,
        &FiguresPage {
            l: Layout::for_user(&a, "/dispatch/figures"),
            fy_label: fy.label(a.lang),
            prev: (fy.0 > FIRST_FISCAL_YEAR).then(|| fy.prev().0),
            next: (fy < FiscalYear::of(a.today())).then(|| fy.next().0),
            f,
        },
    )
}

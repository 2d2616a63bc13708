//! The start page: follow-ups, recent consultations, this fiscal year's figures and what
//! needs attention in the center.

use askama::Template;
use axum::extract::State;
use axum_extra::extract::Query;
use domain::dates::FiscalYear;
use serde::Deserialize;
use store::consultations::Consultation;
use store::reports::ConsultationReport;

use crate::auth::Authed;
use crate::ui::{page, Layout, PageResult};
use crate::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    fiscal_year: String,
    report: Option<ConsultationReport>,
    followups: Vec<Consultation>,
    recent: Vec<Consultation>,
    saved: bool,
    today: String,
    /// Break-the-glass grants of the center (advisors and admins), times in Japan time.
    break_glass: Vec<(store::break_glass::BreakGlass, String, String)>,
    /// Children other centers referred to this one (still shared).
    incoming: Vec<store::consents::IncomingReferral>,
    /// Disaster plans past their review date.
    overdue_plans: Vec<store::plans::OverduePlan>,
    /// Children whose power data is missing (leads), and how many in all.
    missing_power: Vec<store::disaster::MissingPowerData>,
    missing_power_total: i64,
    /// Dispatch: a coordinator's offers and cases, a lead's 未派遣 and 至急 requests.
    dispatch: crate::dispatch::home::HomeDispatch,
}

impl HomePage {
    fn missing_text(&self, m: &store::disaster::MissingPowerData) -> String {
        let lang = self.l.tr.0;
        m.missing
            .iter()
            .map(|x| x.message(lang))
            .collect::<Vec<_>>()
            .join(lang.pick("、", "; "))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

/// GET / — my follow-ups, recent consultations and this fiscal year's figures.
pub async fn home(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let today = a.today();
    let fy = FiscalYear::of(today);
    let actor = a.actor();
    let report = if crate::access::REPORTERS.contains(&actor.role) {
        Some(
            state
                .store
                .consultation_summary(actor, fy.start(), fy.end())
                .await?,
        )
    } else {
        None
    };
    let home = state.store.home(actor, today, a.now).await?;
    let jst = |t: &str| {
        store::parse_ts(t)
            .map(|t| {
                t.with_timezone(&domain::dates::jst())
                    .format("%m/%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let break_glass = home
        .break_glass
        .into_iter()
        .map(|g| {
            let (from, to) = (jst(&g.started_at), jst(&g.expires_at));
            (g, from, to)
        })
        .collect();
    let dispatch = crate::dispatch::home::home_dispatch(a.lang, home.coordinator, home.lead);
    page(&HomePage {
        l: Layout::for_user(&a, "/"),
        dispatch,
        break_glass,
        incoming: home.incoming,
        overdue_plans: home.overdue_plans,
        missing_power: home.missing_power,
        missing_power_total: home.missing_power_total,
        fiscal_year: fy.label(a.lang),
        report,
        followups: home.followups,
        recent: home.recent,
        saved: q.saved == "1",
        today: today.to_string(),
    })
}

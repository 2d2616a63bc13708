//! One request's page and what is done on it: the recommendation and proposal, a dispatch's
//! actions, cancelling, activities and advice.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::{Form, Query};
use domain::dispatch::{DispatchAction, DispatchStatus, SidesNeeded, Urgency};
use domain::Lang;
use serde::Deserialize;
use store::dispatch::{ActivityInput, ProposalInput, Recommendation, RequestDetail};
use store::StoreError;

use crate::auth::Authed;
use crate::ui::{page_status, FormErrors, Layout, PageResult};
use crate::AppState;

use super::{area_labels, is_lead, request_status_label, topic_label, Fields};

#[derive(Template)]
#[template(path = "dispatch_show.html")]
struct DispatchShowPage {
    l: Layout,
    d: RequestDetail,
    rec: Option<Recommendation>,
    lead: bool,
    my_dispatches: Vec<String>,
    errors: FormErrors,
    error_section: &'static str,
    activity: ActivityInput,
    today: String,
    notice: String,
}

impl DispatchShowPage {
    fn msg<'a>(&self, m: &'a store::dispatch::Msg) -> &'a str {
        m.get(self.l.tr.0)
    }
    fn urgency_label(&self) -> &'static str {
        Urgency::parse(&self.d.summary.urgency)
            .map(|u| u.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn sides_label(&self) -> &'static str {
        SidesNeeded::parse(&self.d.summary.sides)
            .map(|u| u.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn status_label(&self) -> &'static str {
        request_status_label(&self.d.summary.status, self.l.tr.0)
    }
    fn dispatch_status(&self, s: &DispatchStatus) -> &'static str {
        s.label(self.l.tr.0)
    }
    fn place(&self) -> String {
        area_labels(std::slice::from_ref(&self.d.summary.municipality_code))
    }
    fn topic_labels(&self) -> String {
        self.d
            .summary
            .topics
            .iter()
            .map(|c| topic_label(c, self.l.tr.0))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn side_label(&self, side: &Option<String>) -> &'static str {
        match side.as_deref() {
            Some("medical") => self.l.tr.0.pick("医療", "Medical"),
            Some("welfare") => self.l.tr.0.pick("福祉", "Welfare"),
            _ => "",
        }
    }
    /// Buttons for one dispatch: a lead sees every allowed action; the coordinator sees
    /// theirs (not withdraw).
    fn actions(
        &self,
        line: &store::dispatch::DispatchLine,
    ) -> Vec<(&'static str, &'static str, bool)> {
        let mine = self.my_dispatches.contains(&line.id);
        if !(self.lead || mine) {
            return Vec::new();
        }
        line.status
            .actions(!self.lead)
            .into_iter()
            .map(|a| (a.code(), a.label(self.l.tr.0), a.needs_reason()))
            .collect()
    }
    fn can_record(&self, line: &store::dispatch::DispatchLine) -> bool {
        (self.lead || self.my_dispatches.contains(&line.id))
            && matches!(
                line.status,
                DispatchStatus::Accepted | DispatchStatus::Active
            )
    }
    fn recordable(&self) -> Vec<&store::dispatch::DispatchLine> {
        self.d
            .dispatches
            .iter()
            .filter(|l| self.can_record(l))
            .collect()
    }
    fn event_label(&self, kind: &str) -> String {
        let lang = self.l.tr.0;
        match kind {
            "requested" => lang.pick("派遣依頼", "Requested").into(),
            "proposed" => lang.pick("打診", "Proposed").into(),
            "activity" => lang.pick("活動記録", "Activity").into(),
            "activity_voided" => lang.pick("活動の取り消し", "Activity voided").into(),
            "advice_asked" => lang.pick("助言の依頼", "Advice asked").into(),
            "advice_given" => lang.pick("助言", "Advice").into(),
            "request_cancelled" => lang.pick("依頼の中止", "Request cancelled").into(),
            other => DispatchAction::parse(other)
                .map(|a| a.label(lang).to_string())
                .unwrap_or_else(|| other.to_string()),
        }
    }
    fn kind_label(&self, kind: &str) -> &'static str {
        activity_kind_label(kind, self.l.tr.0)
    }
    fn at(&self, utc: &str) -> String {
        crate::ui::jst_time(utc)
    }
    fn is_open(&self) -> bool {
        !matches!(self.d.summary.status.as_str(), "completed" | "cancelled")
    }
}

fn activity_kind_label(kind: &str, lang: Lang) -> &'static str {
    domain::payment::ActivityKind::parse(kind)
        .map(|k| k.label(lang))
        .unwrap_or("")
}

#[derive(Default)]
struct ShowExtra {
    errors: FormErrors,
    section: &'static str,
    activity: Option<ActivityInput>,
    notice: &'static str,
}

async fn show_page(
    state: &AppState,
    a: &Authed,
    id: &str,
    status: StatusCode,
    extra: ShowExtra,
) -> PageResult {
    let now = a.now;
    let today = a.today();
    let d = state
        .store
        .dispatch_request_detail(a.actor(), id, now)
        .await?;
    let lead = is_lead(a);
    let rec = if lead && !matches!(d.summary.status.as_str(), "completed" | "cancelled") {
        Some(state.store.recommend(a.actor(), id, today).await?)
    } else {
        None
    };
    let my_dispatches = state.store.my_dispatch_ids(a.actor(), id).await?;
    let t = DispatchShowPage {
        l: Layout::for_user(a, &format!("/dispatch/{id}")),
        d,
        rec,
        lead,
        my_dispatches,
        errors: extra.errors,
        error_section: extra.section,
        activity: extra.activity.unwrap_or_else(|| ActivityInput {
            kind: "visit".into(),
            on_date: today.to_string(),
            ..Default::default()
        }),
        today: today.to_string(),
        notice: if extra.notice.is_empty() {
            String::new()
        } else {
            crate::i18n::Tr(a.lang).t(extra.notice).to_string()
        },
    };
    page_status(status, &t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

/// GET /dispatch/{id} — the request: recommendation (leads), dispatches with their actions,
/// activity form, advice and timeline.
pub async fn dispatch_show(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let notice = match q.saved.as_str() {
        "proposed" => "dispatch.proposed_done",
        "action" => "dispatch.action_done",
        "activity" => "dispatch.activity_saved",
        "advice" => "dispatch.advice_saved",
        "created" => "dispatch.request_saved",
        _ => "",
    };
    show_page(
        &state,
        &a,
        &id,
        StatusCode::OK,
        ShowExtra {
            notice,
            ..Default::default()
        },
    )
    .await
}

async fn after<T>(
    state: &AppState,
    a: &Authed,
    id: &str,
    r: Result<T, StoreError>,
    saved: &str,
    section: &'static str,
    activity: Option<ActivityInput>,
) -> PageResult {
    match r {
        Ok(_) => {
            Ok(Redirect::to(&format!("/dispatch/{id}?saved={saved}#{section}")).into_response())
        }
        Err(StoreError::Validation(errs)) => {
            show_page(
                state,
                a,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                ShowExtra {
                    errors: FormErrors::from(&errs, a.lang),
                    section,
                    activity,
                    notice: "",
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /dispatch/{id}/propose — `coordinator_ids` (one or two) and `override_reason`.
pub async fn propose(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(pairs);
    let mut ids = f.all("coordinator_ids");
    // A pair button sends both ids in one value.
    ids = ids
        .iter()
        .flat_map(|s| s.split(',').map(str::to_string).collect::<Vec<_>>())
        .collect();
    let input = ProposalInput {
        coordinator_ids: ids,
        override_reason: f.get("override_reason"),
    };
    let r = match input.parse() {
        Ok(draft) => {
            state
                .store
                .propose_dispatch(a.actor(), &id, &draft, a.today(), a.now)
                .await
        }
        Err(errs) => Err(StoreError::Validation(errs)),
    };
    after(&state, &a, &id, r, "proposed", "propose", None).await
}

/// Action form (the page's form also carries `_csrf`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    action: String,
    reason: String,
}

/// Action body of the API: unknown fields are refused.
#[derive(utoipa::ToSchema, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(as = DispatchActionInput)]
pub struct ActionBody {
    #[schema(schema_with = domain::dispatch::roster::dispatch_action_schema, required = true)]
    pub(super) action: String,
    pub(super) reason: String,
}

/// POST /dispatches/{id}/action — accept, decline, withdraw, start, complete, cancel.
pub async fn dispatch_action(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let request_id = state.store.request_of_dispatch(a.actor(), &id).await?;
    let r = state
        .store
        .dispatch_action(a.actor(), &id, &f.action, &f.reason, a.now)
        .await;
    after(&state, &a, &request_id, r, "action", "dispatches", None).await
}

/// POST /dispatch/{id}/cancel — cancel the whole request.
pub async fn request_cancel(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let r = state
        .store
        .cancel_dispatch_request(a.actor(), &id, &f.reason, a.now)
        .await;
    after(&state, &a, &id, r, "action", "dispatches", None).await
}

fn activity_input(f: &Fields) -> ActivityInput {
    ActivityInput {
        kind: f.get("kind"),
        on_date: f.get("on_date"),
        minutes: f.get("minutes"),
        travel_km: f.get("travel_km"),
        travel_minutes: f.get("travel_minutes"),
        notes: f.get("notes"),
    }
}

/// POST /dispatches/{id}/activities — record a visit, call or meeting.
pub async fn activity_create(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let request_id = state.store.request_of_dispatch(a.actor(), &id).await?;
    let input = activity_input(&Fields(pairs));
    let parsed = crate::shared::scope_before_errors(
        input.parse(a.today()).map_err(StoreError::Validation),
        state.store.check_activity_recordable(a.actor(), &id),
    )
    .await;
    let r = match parsed {
        Ok(act) => {
            state
                .store
                .record_activity(a.actor(), &id, &act, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    after(
        &state,
        &a,
        &request_id,
        r,
        "activity",
        "activity",
        Some(input),
    )
    .await
}

/// POST /activities/{id}/void — void an activity entered by mistake.
pub async fn activity_void(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    match state
        .store
        .void_activity(a.actor(), &id, &f.reason, a.now)
        .await
    {
        Ok(rid) => {
            Ok(Redirect::to(&format!("/dispatch/{rid}?saved=action#activities")).into_response())
        }
        Err(StoreError::Validation(errs)) => {
            let rid = state.store.request_of_activity(a.actor(), &id).await?;
            show_page(
                &state,
                &a,
                &rid,
                StatusCode::UNPROCESSABLE_ENTITY,
                ShowExtra {
                    errors: FormErrors::from(&errs, a.lang),
                    section: "activities",
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Advice form (the page's form also carries `_csrf`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdviceForm {
    text: String,
}

/// Advice body of the API: unknown fields are refused.
#[derive(utoipa::ToSchema, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(as = AdviceInput)]
pub struct AdviceBody {
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub(super) text: String,
}

/// POST /dispatch/{id}/advice — a coordinator asks, an advisor answers.
pub async fn advice(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<AdviceForm>,
) -> PageResult {
    let r = state.store.add_advice(a.actor(), &id, &f.text, a.now).await;
    after(&state, &a, &id, r, "advice", "advice", None).await
}

//! The coordinator roster (名簿): the list with its filters, the entry form and the center's
//! recommendation weights.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::{Form, Query};
use domain::dispatch::{CoordinatorDraft, CoordinatorInput, RawWeights};
use domain::vocab::VocabKind;
use domain::Lang;
use serde::Deserialize;
use store::dispatch::{CoordinatorRecord, RosterFilter};
use store::StoreError;

use crate::auth::Authed;
use crate::ui::{choices, page_status, FormErrors, Layout, PageResult};
use crate::AppState;

use super::{area_labels, is_lead, topic_choices, topic_label, Fields};

#[derive(Template)]
#[template(path = "coordinators.html")]
struct RosterPage {
    l: Layout,
    items: Vec<CoordinatorRecord>,
    filter: RosterFilter,
    professions: Vec<(String, String)>,
    topics: Vec<(String, String)>,
    lead: bool,
    weights: RawWeights,
    weight_errors: FormErrors,
    notice: String,
}

impl RosterPage {
    fn profession_labels(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| self.l.tr.vocab(VocabKind::Profession, c))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn topic_labels(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| topic_label(c, self.l.tr.0))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn area_labels(&self, codes: &[String]) -> String {
        area_labels(codes)
    }
    fn availability_label(&self, c: &CoordinatorRecord) -> String {
        availability_label(&c.availability, c.leave_until.as_deref(), self.l.tr.0)
    }
}

fn availability_label(status: &str, until: Option<&str>, lang: Lang) -> String {
    match status {
        "on_leave" => lang.pick(
            format!("休暇中（{}まで）", until.unwrap_or("")),
            format!("On leave (until {})", until.unwrap_or("")),
        ),
        "inactive" => lang.pick("退任", "Inactive").to_string(),
        _ => lang.pick("稼働中", "Active").to_string(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RosterQuery {
    #[serde(flatten)]
    filter: RosterFilter,
    saved: String,
}

async fn roster_page(
    state: &AppState,
    a: &Authed,
    filter: RosterFilter,
    status: StatusCode,
    weights: Option<(RawWeights, FormErrors)>,
    notice: &str,
) -> PageResult {
    let items = state.store.list_coordinators(a.actor(), &filter).await?;
    let (weights, weight_errors) = match weights {
        Some(w) => w,
        None => (
            state
                .store
                .dispatch_weights(&a.actor().center_id)
                .await?
                .raw(),
            FormErrors::default(),
        ),
    };
    let t = RosterPage {
        l: Layout::for_user(a, "/coordinators"),
        items,
        filter,
        professions: choices(VocabKind::Profession, a.lang),
        topics: topic_choices(a.lang),
        lead: is_lead(a),
        weights,
        weight_errors,
        notice: if notice.is_empty() {
            String::new()
        } else {
            crate::i18n::Tr(a.lang).t(notice).to_string()
        },
    };
    page_status(status, &t)
}

/// GET /coordinators — the roster, filtered by area, profession, topic and availability.
pub async fn roster(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<RosterQuery>,
) -> PageResult {
    let notice = match q.saved.as_str() {
        "coordinator" => "dispatch.roster_saved",
        "weights" => "dispatch.weights_saved",
        _ => "",
    };
    roster_page(&state, &a, q.filter, StatusCode::OK, None, notice).await
}

#[derive(Template)]
#[template(path = "coordinator_form.html")]
struct CoordinatorFormPage {
    l: Layout,
    id: Option<String>,
    form: CoordinatorInput,
    errors: FormErrors,
    professions: Vec<(String, String)>,
    topics: Vec<(String, String)>,
}

impl CoordinatorFormPage {
    fn has_profession(&self, code: &str) -> bool {
        self.form.professions.iter().any(|p| p == code)
    }
    fn has_topic(&self, code: &str) -> bool {
        self.form.topics.iter().any(|p| p == code)
    }
    fn covers_text(&self) -> String {
        self.form.covers.join(" ")
    }
}

fn coordinator_form(
    a: &Authed,
    id: Option<String>,
    form: CoordinatorInput,
    errors: FormErrors,
) -> CoordinatorFormPage {
    CoordinatorFormPage {
        l: Layout::for_user(
            a,
            &id.as_deref()
                .map(|i| format!("/coordinators/{i}/edit"))
                .unwrap_or_else(|| "/coordinators/new".into()),
        ),
        id,
        form,
        errors,
        professions: choices(VocabKind::Profession, a.lang),
        topics: topic_choices(a.lang),
    }
}

/// GET /coordinators/new
pub async fn coordinator_new(a: Authed) -> PageResult {
    let form = CoordinatorInput {
        max_active_cases: "5".into(),
        availability: "active".into(),
        ..Default::default()
    };
    page_status(
        StatusCode::OK,
        &coordinator_form(&a, None, form, FormErrors::default()),
    )
}

/// GET /coordinators/{id}/edit
pub async fn coordinator_edit(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> PageResult {
    let rec = state.store.get_coordinator(a.actor(), &id).await?;
    page_status(
        StatusCode::OK,
        &coordinator_form(&a, Some(id), rec.to_input(), FormErrors::default()),
    )
}

fn coordinator_input(f: &Fields) -> CoordinatorInput {
    CoordinatorInput {
        login: f.get("login"),
        name: f.get("name"),
        name_kana: f.get("name_kana"),
        organization: f.get("organization"),
        affiliation_code: f.get("affiliation_code"),
        professions: f.all("professions"),
        covers: f.all("covers"),
        topics: f.all("topics"),
        training_year: f.get("training_year"),
        followup_trainings: f.get("followup_trainings"),
        max_active_cases: f.get("max_active_cases"),
        availability: f.get("availability"),
        leave_until: f.get("leave_until"),
        phone: f.get("phone"),
        email: f.get("email"),
        notes: f.get("notes"),
    }
}

async fn save_coordinator_form(
    state: &AppState,
    a: &Authed,
    id: Option<String>,
    pairs: Vec<(String, String)>,
) -> PageResult {
    let input = coordinator_input(&Fields(pairs));
    let parsed = crate::shared::scope_before_errors(
        CoordinatorDraft::parse(&input, a.today()).map_err(StoreError::Validation),
        state
            .store
            .check_coordinator_editable(a.actor(), id.as_deref()),
    )
    .await;
    let saved = match parsed {
        Ok(draft) => {
            state
                .store
                .save_coordinator(a.actor(), id.as_deref(), &draft, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(Redirect::to("/coordinators?saved=coordinator").into_response()),
        Err(StoreError::Validation(errs)) => page_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &coordinator_form(a, id, input, FormErrors::from(&errs, a.lang)),
        ),
        Err(e) => Err(e.into()),
    }
}

/// POST /coordinators — add to the roster.
pub async fn coordinator_create(
    State(state): State<AppState>,
    a: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    save_coordinator_form(&state, &a, None, pairs).await
}

/// POST /coordinators/{id} — replace a roster entry.
pub async fn coordinator_update(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    save_coordinator_form(&state, &a, Some(id), pairs).await
}

/// Weights as typed: numbers, possibly empty.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WeightsForm {
    topic: String,
    continuity: String,
    load: String,
    fairness: String,
    affiliation: String,
    pair: String,
    urgency: String,
}

fn number(s: &str) -> f64 {
    s.trim().parse::<f64>().unwrap_or(f64::NAN)
}

/// POST /coordinators/weights — the center's recommendation weights.
pub async fn weights_update(
    State(state): State<AppState>,
    a: Authed,
    Form(f): Form<WeightsForm>,
) -> PageResult {
    let raw = RawWeights {
        topic: number(&f.topic),
        continuity: number(&f.continuity),
        load: number(&f.load),
        fairness: number(&f.fairness),
        affiliation: number(&f.affiliation),
        pair: number(&f.pair),
        urgency: number(&f.urgency),
    };
    match state
        .store
        .set_dispatch_weights(a.actor(), raw, a.now)
        .await
    {
        Ok(()) => Ok(Redirect::to("/coordinators?saved=weights").into_response()),
        Err(StoreError::Validation(errs)) => {
            roster_page(
                &state,
                &a,
                RosterFilter::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((raw, FormErrors::from(&errs, a.lang))),
                "",
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

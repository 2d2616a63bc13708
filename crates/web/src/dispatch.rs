//! Coordinator roster and dispatch pages and API (コーディネーター名簿・派遣): roster, requests,
//! recommendation and proposal, the coordinator's inbox, activities, advice, notifications and
//! figures. Rules live in `store::dispatch` and `domain::dispatch`; this module renders forms and
//! maps errors.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Json;
use axum_extra::extract::{Form, Query};
use domain::dates::FiscalYear;
use domain::dispatch::{
    CoordinatorInput, DispatchAction, DispatchStatus, RawWeights, RequestInput, SidesNeeded,
    Urgency,
};
use domain::vocab::VocabKind;
use domain::Lang;
use serde::{Deserialize, Serialize};
use store::dispatch::{
    ActivityInput, CoordinatorRecord, DispatchFigures, InboxEntry, Notification, ProposalInput,
    Recommendation, RequestDetail, RequestSummary, RosterFilter, LEAD_ROLES,
};
use store::dispatch_home::{CoordinatorHome, LeadHome};
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{choices, page_status, FormErrors, Layout, PageResult};
use crate::AppState;

fn is_lead(a: &Authed) -> bool {
    LEAD_ROLES.contains(&a.actor().role)
}

/// Repeated form fields (checkboxes) and single ones from one urlencoded body.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

// ---------------------------------------------------------------- roster

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

fn area_labels(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| {
            let name = domain::municipality::lookup(c)
                .map(|g| g.name.clone())
                .unwrap_or_else(|| c.clone());
            if c.ends_with("0003") || c.len() == 6 && &c[2..5] == "000" {
                format!("{name}全域")
            } else {
                name
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn topic_label(code: &str, lang: Lang) -> String {
    domain::vocab::label(VocabKind::MedicalCareItem, code, lang)
        .or_else(|| domain::vocab::label(VocabKind::ConsultationTopic, code, lang))
        .unwrap_or(code)
        .to_string()
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

/// Topic choices: 相談内容 then 医療的ケア.
fn topic_choices(lang: Lang) -> Vec<(String, String)> {
    let mut v = choices(VocabKind::ConsultationTopic, lang);
    v.extend(choices(VocabKind::MedicalCareItem, lang));
    v
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
    let items = state
        .store
        .list_coordinators(a.actor(), &filter)
        .await
        .map_err(|e| a.err(e))?;
    let (weights, weight_errors) = match weights {
        Some(w) => w,
        None => (
            state
                .store
                .dispatch_weights(&a.actor().center_id)
                .await
                .map_err(|e| a.err(e))?
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
    let rec = state
        .store
        .get_coordinator(a.actor(), &id)
        .await
        .map_err(|e| a.err(e))?;
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
    match state
        .store
        .save_coordinator(
            a.actor(),
            id.as_deref(),
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/coordinators?saved=coordinator").into_response()),
        Err(StoreError::Validation(errs)) => page_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &coordinator_form(a, id, input, FormErrors::from(&errs, a.lang)),
        ),
        Err(e) => Err(a.err(e)),
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
        .set_dispatch_weights(a.actor(), raw, state.clock.now())
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
        Err(e) => Err(a.err(e)),
    }
}

// ---------------------------------------------------------------- requests

#[derive(Template)]
#[template(path = "dispatch_list.html")]
struct DispatchListPage {
    l: Layout,
    status: String,
    requests: Vec<RequestSummary>,
    inbox: Vec<InboxEntry>,
    coordinator: bool,
    can_request: bool,
}

impl DispatchListPage {
    fn urgency_label(&self, code: &str) -> &'static str {
        Urgency::parse(code)
            .map(|u| u.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn sides_label(&self, code: &str) -> &'static str {
        SidesNeeded::parse(code)
            .map(|u| u.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn status_label(&self, code: &str) -> &'static str {
        request_status_label(code, self.l.tr.0)
    }
    fn dispatch_status(&self, s: &DispatchStatus) -> &'static str {
        s.label(self.l.tr.0)
    }
    fn place(&self, code: &str) -> String {
        area_labels(&[code.to_string()])
    }
    fn topic_labels(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| topic_label(c, self.l.tr.0))
            .collect::<Vec<_>>()
            .join("、")
    }
}

fn request_status_label(code: &str, lang: Lang) -> &'static str {
    match code {
        "open" => lang.pick("未派遣", "Open"),
        "proposed" => lang.pick("打診中", "Proposed"),
        "active" => lang.pick("対応中", "Active"),
        "completed" => lang.pick("完了", "Completed"),
        "cancelled" => lang.pick("中止", "Cancelled"),
        _ => "",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusQuery {
    status: String,
}

/// GET /dispatch — staff: the center's requests; a coordinator: their inbox.
pub async fn dispatch_list(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<StatusQuery>,
) -> PageResult {
    let coordinator = a.actor().assigned_only();
    let (requests, inbox) = if coordinator {
        (
            Vec::new(),
            state
                .store
                .coordinator_inbox(a.actor())
                .await
                .map_err(|e| a.err(e))?,
        )
    } else {
        (
            state
                .store
                .list_dispatch_requests(a.actor(), &q.status, state.clock.now())
                .await
                .map_err(|e| a.err(e))?,
            Vec::new(),
        )
    };
    let t = DispatchListPage {
        l: Layout::for_user(&a, "/dispatch"),
        status: q.status,
        requests,
        inbox,
        coordinator,
        can_request: crate::policy::REQUESTERS.contains(&a.actor().role),
    };
    page_status(StatusCode::OK, &t)
}

#[derive(Template)]
#[template(path = "dispatch_new.html")]
struct DispatchNewPage {
    l: Layout,
    form: RequestInput,
    child_name: String,
    errors: FormErrors,
    topics: Vec<(String, String)>,
    sides: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    /// What was typed in the child search, and the children it finds (no id is ever typed).
    q: String,
    results: Vec<ChildHit>,
}

/// A child the request form's search found.
pub struct ChildHit {
    id: String,
    name: String,
    kana: String,
    birth: String,
    municipality: String,
}

/// The request form's search results (htmx fragment; also inside the full form).
#[derive(Template)]
#[template(path = "dispatch_child_results.html")]
struct ChildResults {
    l: Layout,
    results: Vec<ChildHit>,
    q: String,
    /// A child already chosen: no result is preselected over it.
    chosen: bool,
}

async fn child_hits(state: &AppState, a: &Authed, q: &str) -> Result<Vec<ChildHit>, WebError> {
    Ok(state
        .store
        .dispatch_child_search(a.actor(), q, state.clock.today_jst(), state.clock.now())
        .await
        .map_err(|e| a.err(e))?
        .into_iter()
        .map(|c| ChildHit {
            municipality: domain::municipality::lookup(&c.municipality_code)
                .map(|g| g.name.clone())
                .unwrap_or_default(),
            id: c.id,
            name: format!("{} {}", c.family_name, c.given_name),
            kana: format!("{} {}", c.family_name_kana, c.given_name_kana),
            birth: c.birth_date,
        })
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChildSearchQuery {
    q: String,
    child_id: String,
}

/// GET /dispatch/child-search?q=… — htmx fragment: children whose name or kana starts with
/// what was typed, as radio buttons of the request form.
pub async fn child_search(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<ChildSearchQuery>,
) -> PageResult {
    let results = child_hits(&state, &a, &q.q).await?;
    page_status(
        StatusCode::OK,
        &ChildResults {
            l: Layout::for_user(&a, "/dispatch/new"),
            results,
            q: q.q,
            chosen: !q.child_id.is_empty(),
        },
    )
}

impl DispatchNewPage {
    fn has_topic(&self, code: &str) -> bool {
        self.form.topics.iter().any(|p| p == code)
    }
}

async fn new_request_page(
    state: &AppState,
    a: &Authed,
    form: RequestInput,
    q: String,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    let results = child_hits(state, a, &q).await?;
    let child_name = if form.child_id.trim().is_empty() {
        String::new()
    } else {
        state
            .store
            .child_name(a.actor(), form.child_id.trim())
            .await
            .map_err(|e| a.err(e))?
            .unwrap_or_default()
    };
    let lang = a.lang;
    let t = DispatchNewPage {
        l: Layout::for_user(a, "/dispatch/new"),
        form,
        child_name,
        errors,
        topics: topic_choices(lang),
        sides: SidesNeeded::all()
            .into_iter()
            .map(|s| (s.code().to_string(), s.label(lang).to_string()))
            .collect(),
        urgencies: Urgency::all()
            .into_iter()
            .map(|s| (s.code().to_string(), s.label(lang).to_string()))
            .collect(),
        q,
        results,
    };
    page_status(status, &t)
}

/// GET /dispatch/new?child=…&consultation=… — the request form, filled from a consultation
/// (child, topics, and its summary as the editable 依頼内容). The child is found by name or
/// kana (`q`); without JavaScript the search button sends the form here with what was typed
/// so far (`urgency` present), which is kept as it is.
pub async fn dispatch_new(
    State(state): State<AppState>,
    a: Authed,
    Query(pairs): Query<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(pairs);
    if f.0.iter().any(|(k, _)| k == "urgency") {
        let form = request_input(&f);
        return new_request_page(
            &state,
            &a,
            form,
            f.get("q"),
            FormErrors::default(),
            StatusCode::OK,
        )
        .await;
    }
    let mut form = RequestInput {
        child_id: f.get("child"),
        consultation_id: f.get("consultation"),
        urgency: "routine".into(),
        ..Default::default()
    };
    if !form.consultation_id.is_empty() {
        if let Some(c) = state
            .store
            .consultation_for_request(a.actor(), &form.consultation_id, state.clock.now())
            .await
            .map_err(|e| a.err(e))?
        {
            if form.child_id.is_empty() {
                form.child_id = c.child_id.unwrap_or_default();
            }
            form.topics = c.topics;
            form.note = c.summary;
        }
    }
    new_request_page(
        &state,
        &a,
        form,
        f.get("q"),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

fn request_input(f: &Fields) -> RequestInput {
    RequestInput {
        child_id: f.get("child_id"),
        consultation_id: f.get("consultation_id"),
        topics: f.all("topics"),
        sides: f.get("sides"),
        urgency: f.get("urgency"),
        preferred_dates: f.get("preferred_dates"),
        note: f.get("note"),
    }
}

/// POST /dispatch — create a request.
pub async fn dispatch_create(
    State(state): State<AppState>,
    a: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let fields = Fields(pairs);
    let input = request_input(&fields);
    match state
        .store
        .create_dispatch_request(
            a.actor(),
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/dispatch/{id}?saved=created")).into_response()),
        Err(StoreError::Validation(errs)) => {
            new_request_page(
                &state,
                &a,
                input,
                fields.get("q"),
                FormErrors::from(&errs, a.lang),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(a.err(e)),
    }
}

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
        crate::auditor::jst_time(utc)
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
    let now = state.clock.now();
    let today = state.clock.today_jst();
    let d = state
        .store
        .dispatch_request_detail(a.actor(), id, now)
        .await
        .map_err(|e| a.err(e))?;
    let lead = is_lead(a);
    let rec = if lead && !matches!(d.summary.status.as_str(), "completed" | "cancelled") {
        Some(
            state
                .store
                .recommend(a.actor(), id, today)
                .await
                .map_err(|e| a.err(e))?,
        )
    } else {
        None
    };
    let my_dispatches = state
        .store
        .my_dispatch_ids(a.actor(), id)
        .await
        .map_err(|e| a.err(e))?;
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
        Err(e) => Err(a.err(e)),
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
    let r = state
        .store
        .propose_dispatch(
            a.actor(),
            &id,
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await;
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
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ActionBody {
    action: String,
    reason: String,
}

/// POST /dispatches/{id}/action — accept, decline, withdraw, start, complete, cancel.
pub async fn dispatch_action(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let request_id = state
        .store
        .request_of_dispatch(a.actor(), &id)
        .await
        .map_err(|e| a.err(e))?;
    let r = state
        .store
        .dispatch_action(a.actor(), &id, &f.action, &f.reason, state.clock.now())
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
        .cancel_dispatch_request(a.actor(), &id, &f.reason, state.clock.now())
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
    let request_id = state
        .store
        .request_of_dispatch(a.actor(), &id)
        .await
        .map_err(|e| a.err(e))?;
    let input = activity_input(&Fields(pairs));
    let r = state
        .store
        .record_activity(
            a.actor(),
            &id,
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await;
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
        .void_activity(a.actor(), &id, &f.reason, state.clock.now())
        .await
    {
        Ok(rid) => {
            Ok(Redirect::to(&format!("/dispatch/{rid}?saved=action#activities")).into_response())
        }
        Err(StoreError::Validation(errs)) => {
            let rid = state
                .store
                .request_of_activity(a.actor(), &id)
                .await
                .map_err(|e| a.err(e))?;
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
        Err(e) => Err(a.err(e)),
    }
}

/// Advice form (the page's form also carries `_csrf`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdviceForm {
    text: String,
}

/// Advice body of the API: unknown fields are refused.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AdviceBody {
    text: String,
}

/// POST /dispatch/{id}/advice — a coordinator asks, an advisor answers.
pub async fn advice(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<AdviceForm>,
) -> PageResult {
    let r = state
        .store
        .add_advice(a.actor(), &id, &f.text, state.clock.now())
        .await;
    after(&state, &a, &id, r, "advice", "advice", None).await
}

// ---------------------------------------------------------------- batch

#[derive(Template)]
#[template(path = "dispatch_batch.html")]
struct BatchPage {
    l: Layout,
    b: store::dispatch::BatchView,
    errors: FormErrors,
    /// The advisor's edited choices after a refused confirmation: (request, side) → roster id.
    edited: Vec<EditedPick>,
}

impl BatchPage {
    fn urgency_label(&self, code: &str) -> &'static str {
        Urgency::parse(code)
            .map(|u| u.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn sides_label(&self, code: &str) -> &'static str {
        SidesNeeded::parse(code)
            .map(|u| u.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn side_label(&self, code: &str) -> &'static str {
        match code {
            "medical" => self.l.tr.0.pick("医療", "Medical"),
            _ => self.l.tr.0.pick("福祉", "Welfare"),
        }
    }
    fn place(&self, code: &str) -> String {
        area_labels(&[code.to_string()])
    }
    fn msg<'a>(&self, m: &'a store::dispatch::Msg) -> &'a str {
        m.get(self.l.tr.0)
    }
    /// The roster id selected for a request's side: the edited value, else the proposal.
    fn selected(&self, line: &store::dispatch::BatchLine, side: &str) -> String {
        if let Some((_, v)) = self
            .edited
            .iter()
            .find(|((r, s), _)| *r == line.request_id && s == side)
        {
            return v.clone();
        }
        line.proposed
            .iter()
            .find(|(s, _)| s == side)
            .map(|(_, id)| id.clone())
            .unwrap_or_default()
    }
    fn line_error(&self, line: &store::dispatch::BatchLine) -> &str {
        self.errors.get(&format!("line.{}", line.request_id))
    }
}

async fn batch_page(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    errors: FormErrors,
    edited: Vec<EditedPick>,
) -> PageResult {
    let b = state
        .store
        .batch_proposal(a.actor(), state.clock.today_jst())
        .await
        .map_err(|e| a.err(e))?;
    page_status(
        status,
        &BatchPage {
            l: Layout::for_user(a, "/dispatch/batch"),
            b,
            errors,
            edited,
        },
    )
}

/// GET /dispatch/batch — one proposal for every open request (total score maximised under
/// every capacity), for the advisor to review and change.
pub async fn batch(State(state): State<AppState>, a: Authed) -> PageResult {
    batch_page(
        &state,
        &a,
        StatusCode::OK,
        FormErrors::default(),
        Vec::new(),
    )
    .await
}

/// (request, side) → roster id as the advisor left it in the batch form.
type EditedPick = ((String, String), String);

/// The picks of the batch form: fields `medical:{request}` and `welfare:{request}`.
fn batch_picks(pairs: &[(String, String)]) -> (Vec<store::dispatch::BatchPick>, Vec<EditedPick>) {
    let mut picks: Vec<store::dispatch::BatchPick> = Vec::new();
    let mut edited = Vec::new();
    for (k, v) in pairs {
        let Some((side, rid)) = k.split_once(':') else {
            continue;
        };
        if side != "medical" && side != "welfare" {
            continue;
        }
        edited.push(((rid.to_string(), side.to_string()), v.clone()));
        let i = match picks.iter().position(|p| p.request_id == rid) {
            Some(i) => i,
            None => {
                picks.push(store::dispatch::BatchPick {
                    request_id: rid.to_string(),
                    ..Default::default()
                });
                picks.len() - 1
            }
        };
        if side == "medical" {
            picks[i].medical = v.clone();
        } else {
            picks[i].welfare = v.clone();
        }
    }
    (picks, edited)
}

/// POST /dispatch/batch — confirm the (possibly changed) proposal in one transaction.
pub async fn batch_confirm(
    State(state): State<AppState>,
    a: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let (picks, edited) = batch_picks(&pairs);
    match state
        .store
        .confirm_batch(
            a.actor(),
            &picks,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
    {
        Ok(n) => Ok(Redirect::to(&format!("/dispatch?status=proposed&batch={n}")).into_response()),
        Err(StoreError::Validation(errs)) => {
            batch_page(
                &state,
                &a,
                StatusCode::UNPROCESSABLE_ENTITY,
                FormErrors::from(&errs, a.lang),
                edited,
            )
            .await
        }
        Err(e) => Err(a.err(e)),
    }
}

/// GET /api/v1/dispatch-batch — the proposal as JSON.
pub async fn api_batch(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<store::dispatch::BatchView>, WebError> {
    Ok(Json(
        state
            .store
            .batch_proposal(a.actor(), state.clock.today_jst())
            .await
            .map_err(|e| a.err(e))?,
    ))
}

/// Body of `POST /api/v1/dispatch-batch`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    lines: Vec<store::dispatch::BatchPick>,
}

/// POST /api/v1/dispatch-batch — confirm lines `{ lines: [{request_id, medical, welfare}] }`.
pub async fn api_batch_confirm(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let b: BatchBody = crate::api::json_body(&a, &body)?;
    let n = state
        .store
        .confirm_batch(
            a.actor(),
            &b.lines,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(serde_json::json!({ "proposed": n })))
}

// ---------------------------------------------------------------- notifications, figures

/// A notification as its reader sees it: what happened, to which child, how urgent.
#[derive(Serialize)]
pub struct NoticeView {
    #[serde(flatten)]
    n: Notification,
    /// The text in the reader's language, e.g. 「至急：山田 花子さんの派遣依頼の打診が届きました」.
    message: String,
    /// The urgency's label (至急, 早めに, 通常), when the reader may see the request.
    urgency_label: Option<String>,
}

/// The catalogue's text for a notification's code (`notice.{kind}`) with the child's name and
/// the detail filled in, behind the urgency; the stored text when the row has no code, the
/// reader may not see the request, or the catalogue lacks the code.
pub fn notice_text(n: &Notification, lang: Lang) -> String {
    let tr = crate::i18n::Tr(lang);
    let fallback = || n.text.get(lang).to_string();
    let (Some(kind), Some(child)) = (&n.kind, &n.child_name) else {
        return fallback();
    };
    let what = tr.t(&format!("notice.{kind}"));
    if what.is_empty() {
        return fallback();
    }
    let what = what
        .replace("{detail}", n.detail.as_deref().unwrap_or(""))
        .replace("{child}", child);
    match n.urgency.as_deref().and_then(Urgency::parse) {
        Some(u) => tr
            .t("notice.format")
            .replace("{urgency}", u.label(lang))
            .replace("{text}", &what),
        None => what,
    }
}

fn notice_views(items: Vec<Notification>, lang: Lang) -> Vec<NoticeView> {
    items
        .into_iter()
        .map(|n| NoticeView {
            message: notice_text(&n, lang),
            urgency_label: n
                .urgency
                .as_deref()
                .and_then(Urgency::parse)
                .map(|u| u.label(lang).to_string()),
            n,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    l: Layout,
    items: Vec<NoticeView>,
    unread: i64,
}

impl NotificationsPage {
    fn at(&self, utc: &str) -> String {
        crate::auditor::jst_time(utc)
    }
}

/// GET /notifications
pub async fn notifications(State(state): State<AppState>, a: Authed) -> PageResult {
    let (items, unread) = state
        .store
        .notifications(a.actor(), state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    page_status(
        StatusCode::OK,
        &NotificationsPage {
            l: Layout::for_user(&a, "/notifications"),
            items: notice_views(items, a.lang),
            unread,
        },
    )
}

/// POST /notifications/read — mark all read.
pub async fn notifications_read(State(state): State<AppState>, a: Authed) -> PageResult {
    state
        .store
        .mark_notifications_read(a.actor(), state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Redirect::to("/notifications").into_response())
}

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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FyQuery {
    fy: String,
}

/// The first fiscal year with figures to show: the 2021 law (医療的ケア児支援法) created the
/// support centers. Links do not lead before it, nor past the current year.
const FIRST_FISCAL_YEAR: i32 = 2021;

fn fiscal_year(q: &FyQuery, today: chrono::NaiveDate) -> FiscalYear {
    FiscalYear::parse(&q.fy).unwrap_or_else(|| FiscalYear::of(today))
}

/// GET /dispatch/figures?fy=2026
pub async fn figures(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<FyQuery>,
) -> PageResult {
    let fy = fiscal_year(&q, state.clock.today_jst());
    let f = state
        .store
        .dispatch_figures(a.actor(), fy)
        .await
        .map_err(|e| a.err(e))?;
    page_status(
        StatusCode::OK,
        &FiguresPage {
            l: Layout::for_user(&a, "/dispatch/figures"),
            fy_label: fy.label(a.lang),
            prev: (fy.0 > FIRST_FISCAL_YEAR).then(|| fy.prev().0),
            next: (fy < FiscalYear::of(state.clock.today_jst())).then(|| fy.next().0),
            f,
        },
    )
}

// ---------------------------------------------------------------- API

fn created(id: String) -> impl IntoResponse {
    (StatusCode::CREATED, Json(serde_json::json!({ "id": id })))
}

/// GET /api/v1/coordinators
pub async fn api_roster(
    State(state): State<AppState>,
    a: Authed,
    Query(f): Query<RosterFilter>,
) -> Result<Json<serde_json::Value>, WebError> {
    let items = state
        .store
        .list_coordinators(a.actor(), &f)
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// POST /api/v1/coordinators
pub async fn api_coordinator_create(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: CoordinatorInput = crate::api::json_body(&a, &body)?;
    let id = state
        .store
        .save_coordinator(
            a.actor(),
            None,
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(created(id))
}

/// PUT /api/v1/coordinators/{id}
pub async fn api_coordinator_update(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<CoordinatorRecord>, WebError> {
    let input: CoordinatorInput = crate::api::json_body(&a, &body)?;
    state
        .store
        .save_coordinator(
            a.actor(),
            Some(&id),
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(
        state
            .store
            .get_coordinator(a.actor(), &id)
            .await
            .map_err(|e| a.err(e))?,
    ))
}

/// GET /api/v1/dispatch-requests
pub async fn api_requests(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<StatusQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let items = state
        .store
        .list_dispatch_requests(a.actor(), &q.status, state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// POST /api/v1/dispatch-requests
pub async fn api_request_create(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: RequestInput = crate::api::json_body(&a, &body)?;
    let id = state
        .store
        .create_dispatch_request(
            a.actor(),
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(created(id))
}

/// GET /api/v1/dispatch-requests/{id}
pub async fn api_request(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<RequestDetail>, WebError> {
    Ok(Json(
        state
            .store
            .dispatch_request_detail(a.actor(), &id, state.clock.now())
            .await
            .map_err(|e| a.err(e))?,
    ))
}

/// GET /api/v1/dispatch-requests/{id}/recommendation
pub async fn api_recommendation(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<Recommendation>, WebError> {
    Ok(Json(
        state
            .store
            .recommend(a.actor(), &id, state.clock.today_jst())
            .await
            .map_err(|e| a.err(e))?,
    ))
}

/// POST /api/v1/dispatch-requests/{id}/proposals
pub async fn api_propose(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: ProposalInput = crate::api::json_body(&a, &body)?;
    let ids = state
        .store
        .propose_dispatch(
            a.actor(),
            &id,
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "ids": ids }))))
}

/// POST /api/v1/dispatch-requests/{id}/advice
pub async fn api_advice(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let f: AdviceBody = crate::api::json_body(&a, &body)?;
    state
        .store
        .add_advice(a.actor(), &id, &f.text, state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// POST /api/v1/dispatches/{id}/actions
pub async fn api_action(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let f: ActionBody = crate::api::json_body(&a, &body)?;
    let request_id = state
        .store
        .dispatch_action(a.actor(), &id, &f.action, &f.reason, state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(serde_json::json!({ "request_id": request_id })))
}

/// POST /api/v1/dispatches/{id}/activities
pub async fn api_activity(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let input: ActivityInput = crate::api::json_body(&a, &body)?;
    let aid = state
        .store
        .record_activity(
            a.actor(),
            &id,
            &input,
            state.clock.today_jst(),
            state.clock.now(),
        )
        .await
        .map_err(|e| a.err(e))?;
    Ok(created(aid))
}

/// GET /api/v1/notifications
pub async fn api_notifications(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<serde_json::Value>, WebError> {
    let (items, unread) = state
        .store
        .notifications(a.actor(), state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    Ok(Json(
        serde_json::json!({ "items": notice_views(items, a.lang), "unread": unread }),
    ))
}

/// GET /api/v1/dispatch-inbox — a coordinator's offers awaiting their answer and running
/// cases.
pub async fn api_inbox(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<CoordinatorHome>, WebError> {
    Ok(Json(
        state
            .store
            .coordinator_home(a.actor(), state.clock.now())
            .await
            .map_err(|e| a.err(e))?,
    ))
}

/// GET /api/v1/dispatch-pending — requests without a coordinator (未派遣) and urgent ones (至急).
pub async fn api_pending(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<LeadHome>, WebError> {
    Ok(Json(
        state
            .store
            .lead_dispatch_home(a.actor(), state.clock.now())
            .await
            .map_err(|e| a.err(e))?,
    ))
}

/// GET /api/v1/reports/dispatch?fy=2026
pub async fn api_figures(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<FyQuery>,
) -> Result<Json<DispatchFigures>, WebError> {
    let fy = fiscal_year(&q, state.clock.today_jst());
    Ok(Json(
        state
            .store
            .dispatch_figures(a.actor(), fy)
            .await
            .map_err(|e| a.err(e))?,
    ))
}

// ---------------------------------------------------------------- home page

/// The dispatch part of the home page: a coordinator's offers awaiting their answer and their
/// running cases; a lead's requests without a coordinator (未派遣) and the urgent ones (至急).
#[derive(Default)]
pub struct HomeDispatch {
    lang: Lang,
    /// Coordinators only.
    pub coordinator: Option<CoordinatorHome>,
    /// Advisors and admins only.
    pub lead: Option<LeadHome>,
}

impl HomeDispatch {
    /// Label of an urgency code.
    pub fn urgency(&self, code: &str) -> &'static str {
        Urgency::parse(code)
            .map(|u| u.label(self.lang))
            .unwrap_or("")
    }
    /// Is the urgency 至急?
    pub fn is_urgent(&self, code: &str) -> bool {
        Urgency::parse(code) == Some(Urgency::Urgent)
    }
    /// Label of a request status code.
    pub fn status(&self, code: &str) -> &'static str {
        request_status_label(code, self.lang)
    }
    /// Label of a dispatch status.
    pub fn dispatch_status(&self, s: &DispatchStatus) -> &'static str {
        s.label(self.lang)
    }
    /// Municipality name.
    pub fn place(&self, code: &str) -> String {
        area_labels(&[code.to_string()])
    }
}

/// What the home page shows of dispatch for the caller (audited in the store).
pub(crate) async fn home_dispatch(state: &AppState, a: &Authed) -> Result<HomeDispatch, WebError> {
    let now = state.clock.now();
    let mut home = HomeDispatch {
        lang: a.lang,
        ..Default::default()
    };
    if a.actor().assigned_only() {
        home.coordinator = Some(
            state
                .store
                .coordinator_home(a.actor(), now)
                .await
                .map_err(|e| a.err(e))?,
        );
    } else if is_lead(a) {
        home.lead = Some(
            state
                .store
                .lead_dispatch_home(a.actor(), now)
                .await
                .map_err(|e| a.err(e))?,
        );
    }
    Ok(home)
}

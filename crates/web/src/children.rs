//! The child registry: search, register, show, edit, and break-the-glass access.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::{Form, Query};
use domain::dates::AgeBand;
use domain::vocab::VocabKind;
use domain::{CareSetting, ChildStatus, Sex};
use serde::Deserialize;
use store::children::{
    ChildAccess, ChildDraft, ChildForm, ChildPage, ChildQuery, ChildRecord, GuardianForm,
};
use store::consultations::Consultation;
use store::error::DuplicateCandidate;
use store::{StoreError, Via};

use crate::auth::Authed;
use crate::error::WebError;

use crate::ui::{
    center_municipalities, choices, municipality_options, page, page_status, query_string,
    FormErrors, Layout, PageResult,
};
use crate::AppState;

#[derive(Template)]
#[template(path = "children.html")]
struct ChildrenPage {
    l: Layout,
    q: ChildQuery,
    page: ChildPage,
    municipalities: Vec<(String, String)>,
    medical_care: Vec<(String, String)>,
    age_bands: Vec<(String, String)>,
    next_link: String,
}

impl ChildrenPage {
    fn muni_name(&self, code: &str) -> String {
        domain::municipality::lookup(code)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| code.to_string())
    }
    fn care_labels(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| self.l.tr.vocab(VocabKind::MedicalCareItem, c))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn status_label(&self, code: &str) -> &'static str {
        ChildStatus::parse(code)
            .map(|s| s.label(self.l.tr.0))
            .unwrap_or("")
    }
    fn short(s: &str) -> String {
        s.chars().take(12).collect()
    }
    fn score(&self, s: &domain::care_score::CareScore) -> String {
        s.display(self.l.tr.0)
    }
}

/// The watch levels a medical care item offers, as (code, 「高（+2点）」); empty when the item
/// has nothing to choose.
fn watch_options(code: &str, lang: domain::Lang) -> Vec<(String, String)> {
    let Some(item) = domain::vocab::medical_care_item(code) else {
        return Vec::new();
    };
    if !item.has_watch_choice() {
        return Vec::new();
    }
    item.watch_levels()
        .into_iter()
        .map(|l| {
            let points = item.watch_score(l).unwrap_or(0);
            let label = match lang {
                domain::Lang::Ja => format!("{}（+{points}点）", l.label(lang)),
                domain::Lang::En => format!("{} (+{points})", l.label(lang)),
            };
            (l.code().to_string(), label)
        })
        .collect()
}

/// GET /children — search and filter the registry.
pub async fn children_list(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<ChildQuery>,
) -> PageResult {
    let result = state
        .store
        .search_children(a.actor(), &q, a.now, Via::Page)
        .await?;
    let next_link = result
        .next
        .as_ref()
        .map(|n| {
            format!(
                "/children?{}",
                query_string(&[
                    ("q", q.q.clone()),
                    ("municipality", q.municipality.clone()),
                    ("medical_care", q.medical_care.clone()),
                    (
                        "no_welfare",
                        if q.no_welfare {
                            "true".into()
                        } else {
                            String::new()
                        }
                    ),
                    ("age_band", q.age_band.clone()),
                    ("after", n.clone()),
                ])
            )
        })
        .unwrap_or_default();
    let municipalities = center_municipalities(&state, &a).await?;
    page(&ChildrenPage {
        l: Layout::for_user(&a, "/children"),
        municipalities,
        medical_care: choices(VocabKind::MedicalCareItem, a.lang),
        age_bands: AgeBand::all()
            .iter()
            .map(|b| (b.code().to_string(), b.label(a.lang).to_string()))
            .collect(),
        q,
        page: result,
        next_link,
    })
}

/// The child form as posted by the browser: flat, repeated fields (guardian and device rows).
#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct ChildHtmlForm {
    family_name: String,
    given_name: String,
    family_name_kana: String,
    given_name_kana: String,
    birth_date: String,
    sex: String,
    municipality_code: String,
    /// One of the places offered when the typed name was ambiguous (overrides the typed text).
    municipality_pick: String,
    address: String,
    phone: String,
    care_setting: String,
    discharged_on: String,
    primary_hospital_id: String,
    primary_doctor: String,
    school_id: String,
    status: String,
    status_since: String,
    medical_care: Vec<String>,
    mcd_code: Vec<String>,
    mcd: Vec<String>,
    mcw_code: Vec<String>,
    mcw: Vec<String>,
    welfare_services: Vec<String>,
    g_name: Vec<String>,
    g_kana: Vec<String>,
    g_relation: Vec<String>,
    g_phone: Vec<String>,
    g_email: Vec<String>,
    g_primary: String,
    coordinator_ids: Vec<String>,
    notes: String,
    confirm_duplicate: String,
    version: String,
}

fn nth(v: &[String], i: usize) -> String {
    v.get(i).cloned().unwrap_or_default()
}

impl ChildHtmlForm {
    /// The posted pairs: the flat fields by name, the equipment rows (`devices.N.field`, the
    /// same rows as the power page's) by [`crate::disaster::power::device_inputs`].
    fn parse(pairs: &[(String, String)]) -> (ChildForm, bool, Option<i64>) {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().filter(|(k, _)| !k.starts_with("devices.")))
            .finish();
        // Every field is a string or a list of strings with a default, so any body decodes.
        let h: ChildHtmlForm = serde_html_form::from_str(&encoded).unwrap_or_default();
        let (mut form, confirm, version) = h.into_form();
        form.devices = crate::disaster::power::device_inputs(pairs);
        (form, confirm, version)
    }

    fn into_form(self) -> (ChildForm, bool, Option<i64>) {
        let rows = self.g_name.len().max(self.g_relation.len());
        let guardians = (0..rows)
            .map(|i| GuardianForm {
                name: nth(&self.g_name, i),
                name_kana: nth(&self.g_kana, i),
                relation: nth(&self.g_relation, i),
                phone: nth(&self.g_phone, i),
                phone2: String::new(),
                email: nth(&self.g_email, i),
                is_primary: self.g_primary == i.to_string(),
            })
            .collect();
        let details = self
            .mcd_code
            .iter()
            .zip(self.mcd.iter())
            .filter(|(_, d)| !d.trim().is_empty())
            .map(|(c, d)| (c.clone(), d.clone()))
            .collect();
        // Every item with watch levels posts a select; only a ticked item's choice counts
        // (unticking an item leaves its select as it was).
        let watch = self
            .mcw_code
            .iter()
            .zip(self.mcw.iter())
            .filter(|(c, w)| !w.trim().is_empty() && self.medical_care.contains(c))
            .map(|(c, w)| (c.clone(), w.clone()))
            .collect();
        let form = ChildForm {
            family_name: self.family_name,
            given_name: self.given_name,
            family_name_kana: self.family_name_kana,
            given_name_kana: self.given_name_kana,
            birth_date: self.birth_date,
            sex: self.sex,
            municipality_code: if self.municipality_pick.trim().is_empty() {
                self.municipality_code
            } else {
                self.municipality_pick
            },
            address: self.address,
            phone: self.phone,
            care_setting: self.care_setting,
            discharged_on: self.discharged_on,
            primary_hospital_id: self.primary_hospital_id,
            primary_doctor: self.primary_doctor,
            school_id: self.school_id,
            status: self.status,
            status_since: self.status_since,
            medical_care: self.medical_care,
            medical_care_details: details,
            medical_care_watch: watch,
            welfare_services: self.welfare_services,
            guardians,
            devices: Vec::new(),
            coordinator_ids: self.coordinator_ids,
            notes: self.notes,
        };
        (
            form,
            self.confirm_duplicate == "true",
            self.version.parse().ok(),
        )
    }
}

#[derive(Template)]
#[template(path = "child_form.html")]
struct ChildFormPage {
    l: Layout,
    id: Option<String>,
    version: i64,
    f: ChildForm,
    errors: FormErrors,
    duplicates: Vec<DuplicateCandidate>,
    municipalities: Vec<(String, String)>,
    /// The places a typed municipality name denotes when it was refused as ambiguous (code,
    /// full name), offered to choose from.
    municipality_options: Vec<(String, String)>,
    medical_care: Vec<(String, String)>,
    welfare: Vec<(String, String)>,
    sexes: Vec<(String, String)>,
    settings: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    hospitals: Vec<(String, String)>,
    schools: Vec<(String, String)>,
    coordinators: Vec<(String, String)>,
    guardian_rows: Vec<GuardianForm>,
    device_rows: Vec<domain::power::DeviceInput>,
    kinds: Vec<(String, String)>,
}

impl ChildFormPage {
    /// The message for one equipment row's field (the shared `device_rows.html` asks).
    fn err(&self, i: &usize, field: &str) -> &str {
        self.errors.get(&format!("devices.{i}.{field}"))
    }
    fn detail(&self, code: &str) -> &str {
        self.f
            .medical_care_details
            .get(code)
            .map(String::as_str)
            .unwrap_or("")
    }
    fn has_care(&self, code: &str) -> bool {
        self.f.medical_care.iter().any(|c| c == code)
    }
    /// The watch levels the item offers as (code, 「高（+2点）」), empty when there is no choice.
    fn watch_options(&self, code: &str) -> Vec<(String, String)> {
        watch_options(code, self.l.tr.0)
    }
    fn watch(&self, code: &str) -> &str {
        self.f
            .medical_care_watch
            .get(code)
            .map(String::as_str)
            .unwrap_or("")
    }
    fn has_welfare(&self, code: &str) -> bool {
        self.f.welfare_services.iter().any(|c| c == code)
    }
    fn has_coordinator(&self, id: &str) -> bool {
        self.f.coordinator_ids.iter().any(|c| c == id)
    }
}

async fn child_form_page(
    state: &AppState,
    a: &Authed,
    id: Option<String>,
    version: i64,
    f: ChildForm,
    errors: FormErrors,
    duplicates: Vec<DuplicateCandidate>,
) -> Result<ChildFormPage, WebError> {
    let lang = a.lang;
    let orgs = state.store.list_organizations(a.actor(), None).await?;
    let pick = |kinds: &[&str]| -> Vec<(String, String)> {
        orgs.iter()
            .filter(|o| kinds.contains(&o.kind.as_str()))
            .map(|o| (o.id.clone(), o.name.clone()))
            .collect()
    };
    let hospitals = pick(&["hospital", "nicu", "clinic", "rehabilitation_center"]);
    let schools = pick(&["school", "special_school", "nursery"]);
    let coordinators = state
        .store
        .center_coordinators(&a.actor().center_id)
        .await?;
    let mut guardian_rows = f.guardians.clone();
    while guardian_rows.len() < 2 {
        guardian_rows.push(GuardianForm::default());
    }
    let device_rows = crate::disaster::power::device_rows(&f.devices);
    let municipality_options = if errors.has("municipality_code") {
        municipality_options(&f.municipality_code)
    } else {
        Vec::new()
    };
    Ok(ChildFormPage {
        l: Layout::for_user(a, "/children/new"),
        id,
        version,
        municipalities: center_municipalities(state, a).await?,
        municipality_options,
        medical_care: choices(VocabKind::MedicalCareItem, lang),
        welfare: choices(VocabKind::WelfareService, lang),
        sexes: Sex::all()
            .iter()
            .map(|s| (s.code().to_string(), s.label(lang).to_string()))
            .collect(),
        settings: CareSetting::all()
            .iter()
            .map(|s| (s.code().to_string(), s.label(lang).to_string()))
            .collect(),
        statuses: ChildStatus::all()
            .iter()
            .map(|s| (s.code().to_string(), s.label(lang).to_string()))
            .collect(),
        hospitals,
        schools,
        coordinators,
        guardian_rows,
        device_rows,
        kinds: crate::disaster::power::device_kinds(lang),
        f,
        errors,
        duplicates,
    })
}

/// GET /children/new
pub async fn child_new(State(state): State<AppState>, a: Authed) -> PageResult {
    let f = ChildForm {
        care_setting: "at_home".into(),
        status: "active".into(),
        sex: "unknown".into(),
        ..Default::default()
    };
    page(&child_form_page(&state, &a, None, 0, f, FormErrors::default(), Vec::new()).await?)
}

/// The one parse of a child's record, for the page and the API alike: the form against today
/// (JST) and the center's prefecture (where a municipality typed by name is looked for first).
pub(crate) async fn parse_child(
    state: &AppState,
    a: &Authed,
    form: &ChildForm,
) -> Result<ChildDraft, StoreError> {
    let home = state.store.home_prefecture(a.actor()).await?;
    Ok(form.parse(a.today(), home.as_deref())?)
}

/// POST /children — register; re-renders with inline errors or a duplicate warning.
pub async fn child_create(
    State(state): State<AppState>,
    a: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let (form, confirm, _) = ChildHtmlForm::parse(&pairs);
    let registered = match parse_child(&state, &a, &form).await {
        Ok(draft) => {
            state
                .store
                .register_child(a.actor(), &draft, confirm, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match registered {
        Ok(id) => Ok(Redirect::to(&format!("/children/{id}")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            page_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &child_form_page(&state, &a, None, 0, form, errors, Vec::new()).await?,
            )
        }
        Err(StoreError::PossibleDuplicate(d)) => page_status(
            StatusCode::CONFLICT,
            &child_form_page(&state, &a, None, 0, form, FormErrors::default(), d).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "child_show.html")]
struct ChildShowPage {
    l: Layout,
    c: ChildRecord,
    age: u32,
    birth_wareki: String,
    municipality: String,
    consultations: Vec<Consultation>,
    /// More consultations exist than the timeline shows.
    timeline_more: bool,
    can_edit: bool,
    /// Opened under a break-the-glass grant: its end, in Japan time ("" otherwise).
    break_glass_until: String,
    /// Read through a referral: the referring center's name ("" for own children).
    referred_from: String,
}

impl ChildShowPage {
    fn label(&self, kind: &str, code: &str) -> String {
        let lang = self.l.tr.0;
        match kind {
            "sex" => Sex::parse(code).map(|s| s.label(lang).to_string()),
            "setting" => CareSetting::parse(code).map(|s| s.label(lang).to_string()),
            "status" => ChildStatus::parse(code).map(|s| s.label(lang).to_string()),
            "care" => Some(self.l.tr.vocab(VocabKind::MedicalCareItem, code)),
            "welfare" => Some(self.l.tr.vocab(VocabKind::WelfareService, code)),
            "topic" => Some(self.l.tr.vocab(VocabKind::ConsultationTopic, code)),
            "channel" => Some(self.l.tr.vocab(VocabKind::ConsultationChannel, code)),
            "device" => domain::power::DeviceKind::parse(code).map(|k| k.label(lang).to_string()),
            _ => None,
        }
        .unwrap_or_else(|| code.to_string())
    }
    fn detail(&self, code: &str) -> &str {
        self.c
            .form
            .medical_care_details
            .get(code)
            .map(String::as_str)
            .unwrap_or("")
    }
    /// 「見守り：高」, 「見守り：未入力」, or "" for an item without watch levels.
    fn watch_label(&self, code: &str) -> String {
        let lang = self.l.tr.0;
        let has_choice =
            domain::vocab::medical_care_item(code).is_some_and(|i| i.has_watch_choice());
        let chosen = self
            .c
            .form
            .medical_care_watch
            .get(code)
            .and_then(|w| domain::care_score::WatchLevel::parse(w));
        match chosen {
            Some(l) => format!("{}：{}", self.l.tr.t("child.watch"), l.label(lang)),
            None if has_choice => format!(
                "{}：{}",
                self.l.tr.t("child.watch"),
                self.l.tr.t("child.watch_none")
            ),
            None => String::new(),
        }
    }
    fn score(&self) -> String {
        self.c.care_score.display(self.l.tr.0)
    }
    /// 「派遣 看子（2026-12-31 まで）」 per coordinator who has the child through a dispatch;
    /// 「（派遣中）」 while one of their dispatches is accepted or active.
    fn dispatch_access(&self) -> Vec<String> {
        let lang = self.l.tr.0;
        self.c
            .dispatch_access
            .iter()
            .map(|d| match &d.until {
                Some(until) => match lang {
                    domain::Lang::Ja => format!("{}（{until} まで）", d.name),
                    domain::Lang::En => format!("{} (until {until})", d.name),
                },
                None => format!(
                    "{}（{}）",
                    d.name,
                    self.l.tr.t("child.dispatch_access_live")
                ),
            })
            .collect()
    }
}

/// GET /children/{id} — profile, care, guardians and the consultation timeline (audited view).
/// Consultations shown on a child's page before the "all consultations" link.
const TIMELINE_LENGTH: i64 = 30;

pub async fn child_show(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> PageResult {
    let now = a.now;
    let store::children::ChildView {
        record: c,
        timeline,
    } = match state
        .store
        .child_page(a.actor(), &id, TIMELINE_LENGTH, now)
        .await
    {
        Ok(p) => p,
        // Same center, outside the coordinator's assignments: offer break-the-glass.
        Err(StoreError::Forbidden) if a.actor().assigned_only() => {
            return break_glass_form(&a, &id, FormErrors::default(), "");
        }
        Err(e) => return Err(e.into()),
    };
    // How the record was opened decides the banner and whether it may be edited.
    let (break_glass_until, referred_from) = match &c.access {
        ChildAccess::Scope => (String::new(), String::new()),
        ChildAccess::BreakGlass { until } => (
            store::parse_ts(until)
                .map(|t| {
                    t.with_timezone(&domain::dates::jst())
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            String::new(),
        ),
        ChildAccess::Referral { from_center } => (String::new(), from_center.clone()),
    };
    // The latest consultations; the full history is the consultation list filtered by child.
    let timeline_more = timeline.next.is_some();
    let consultations = timeline.items;
    let today = a.today();
    let birth = chrono::NaiveDate::parse_from_str(&c.form.birth_date, "%Y-%m-%d").unwrap_or(today);
    page(&ChildShowPage {
        l: Layout::for_user(&a, &format!("/children/{id}")),
        age: domain::dates::age_on(birth, today),
        birth_wareki: domain::dates::wareki(birth),
        municipality: domain::municipality::full_name(&c.form.municipality_code)
            .unwrap_or_default(),
        consultations,
        timeline_more,
        can_edit: a.actor().writes_records() && c.access == ChildAccess::Scope,
        break_glass_until,
        referred_from,
        c,
    })
}

#[derive(Template)]
#[template(path = "break_glass.html")]
struct BreakGlassPage {
    l: Layout,
    child_id: String,
    reason: String,
    errors: FormErrors,
}

fn break_glass_form(a: &Authed, id: &str, errors: FormErrors, reason: &str) -> PageResult {
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::FORBIDDEN
    };
    page_status(
        status,
        &BreakGlassPage {
            l: Layout::for_user(a, &format!("/children/{id}")),
            child_id: id.to_string(),
            reason: reason.to_string(),
            errors,
        },
    )
}

/// Break-the-glass form body.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BreakGlassForm {
    reason: String,
}

/// POST /children/{id}/break-glass — open a child outside one's scope, with a reason.
pub async fn break_glass_submit(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<BreakGlassForm>,
) -> PageResult {
    match state
        .store
        .open_break_glass(a.actor(), &id, &f.reason, a.now)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/children/{id}")).into_response()),
        Err(StoreError::Validation(errs)) => {
            break_glass_form(&a, &id, FormErrors::from(&errs, a.lang), &f.reason)
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /children/{id}/edit
pub async fn child_edit(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> PageResult {
    let c = state.store.view_child(a.actor(), &id, a.now).await?;
    page(
        &child_form_page(
            &state,
            &a,
            Some(id),
            c.version,
            c.form,
            FormErrors::default(),
            Vec::new(),
        )
        .await?,
    )
}

/// POST /children/{id} — save edits (optimistic concurrency by version).
pub async fn child_update(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let (form, _, version) = ChildHtmlForm::parse(&pairs);
    let parsed = crate::shared::scope_before_errors(
        parse_child(&state, &a, &form).await,
        state.store.check_child_writable(a.actor(), &id),
    )
    .await;
    let updated = match parsed {
        Ok(draft) => {
            state
                .store
                .update_child(a.actor(), &id, &draft, version, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match updated {
        Ok(()) => Ok(Redirect::to(&format!("/children/{id}")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            page_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &child_form_page(
                    &state,
                    &a,
                    Some(id),
                    version.unwrap_or(0),
                    form,
                    errors,
                    Vec::new(),
                )
                .await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

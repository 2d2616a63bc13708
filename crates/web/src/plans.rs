//! Disaster plan, drill and emergency information sheet pages and API (災害時個別支援計画・
//! 避難訓練・緊急時情報シート).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::{Form, Query};
use domain::disaster::DrillInput;
use domain::export::{CsvEncoding, CsvWriter};
use domain::plan::{
    warning_message, Change, Destination, DestinationKind, Person, PlanDraft, PlanInput,
};
use domain::power::DeviceKind;
use domain::vocab::VocabKind;
use domain::Lang;
use serde::Deserialize;
use store::plans::{EmergencySheet, PlanOverview};
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{choices, page_status, FormErrors, Layout, PageResult};
use crate::AppState;

fn place(code: &str) -> String {
    domain::municipality::full_name(code).unwrap_or_else(|| code.to_string())
}

fn destination_text(d: &Destination, lang: Lang) -> String {
    let kind = DestinationKind::parse(&d.kind)
        .map(|k| k.label(lang))
        .unwrap_or("");
    [kind, d.name.as_str(), d.detail.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    l: Layout,
    child_id: String,
    o: PlanOverview,
    form: PlanInput,
    supporters: Vec<Person>,
    contacts: Vec<Person>,
    hazards: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    errors: FormErrors,
    drill: DrillInput,
    drill_errors: FormErrors,
    can_write: bool,
    notice: Vec<String>,
}

impl PlanPage {
    fn blood_types(&self) -> [&'static str; 8] {
        domain::plan::BLOOD_TYPES
    }
    fn is_blood(&self, b: &str) -> bool {
        self.form.blood_type == b
    }
    fn destinations(&self) -> Vec<(&'static str, &'static str, Destination)> {
        vec![
            ("primary", "plan.f.primary_name", self.form.primary.clone()),
            (
                "secondary",
                "plan.f.secondary_name",
                self.form.secondary.clone(),
            ),
        ]
    }
    fn people_lists(&self) -> Vec<(&'static str, &'static str, Vec<Person>)> {
        vec![
            ("supporters", "plan.f.supporters", self.supporters.clone()),
            ("contacts", "plan.f.contacts", self.contacts.clone()),
        ]
    }
    fn has_hazard(&self, code: &str) -> bool {
        self.form.hazards.iter().any(|h| h == code)
    }
    fn dest(&self, d: &Destination) -> String {
        destination_text(d, self.l.tr.0)
    }
    fn hazard_labels(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| self.l.tr.vocab(VocabKind::Hazard, c))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn warning(&self, code: &str) -> &'static str {
        warning_message(code, self.l.tr.0)
    }
    fn at(&self, utc: &str) -> String {
        crate::ui::jst_time(utc)
    }
}

#[derive(Default)]
struct PlanExtra {
    form: Option<PlanInput>,
    errors: FormErrors,
    drill: DrillInput,
    drill_errors: FormErrors,
    notice: Vec<String>,
}

fn padded(people: &[Person], blanks: usize) -> Vec<Person> {
    let mut v = people.to_vec();
    v.extend(std::iter::repeat_n(Person::default(), blanks));
    v
}

async fn plan_page(
    state: &AppState,
    a: &Authed,
    id: &str,
    status: StatusCode,
    extra: PlanExtra,
) -> PageResult {
    let o = state
        .store
        .plan_overview(a.actor(), id, a.today(), a.now)
        .await?;
    let form = extra.form.unwrap_or_else(|| {
        let mut f = o
            .latest
            .as_ref()
            .map(|l| l.content.clone())
            .unwrap_or_default();
        f.drill_id = String::new();
        f
    });
    let lang = a.lang;
    let t = PlanPage {
        l: Layout::for_user(a, &format!("/children/{id}/plan")),
        child_id: id.to_string(),
        supporters: padded(&form.supporters, 2),
        contacts: padded(&form.contacts, 2),
        hazards: choices(VocabKind::Hazard, lang),
        kinds: DestinationKind::all()
            .into_iter()
            .map(|k| (k.code().to_string(), k.label(lang).to_string()))
            .collect(),
        o,
        form,
        errors: extra.errors,
        drill: extra.drill,
        drill_errors: extra.drill_errors,
        can_write: a.actor().writes_records(),
        notice: extra.notice,
    };
    page_status(status, &t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanQuery {
    saved: String,
    warnings: String,
}

/// GET /children/{id}/plan — the plan, its versions, drills and the forms.
pub async fn plan(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<PlanQuery>,
) -> PageResult {
    let tr = crate::i18n::Tr(a.lang);
    let mut notice = Vec::new();
    match q.saved.as_str() {
        "plan" => notice.push(tr.t("plan.saved").to_string()),
        "drill" => notice.push(tr.t("plan.drill_saved").to_string()),
        _ => {}
    }
    for w in q.warnings.split(',').filter(|w| !w.is_empty()) {
        let m = warning_message(w, a.lang);
        if !m.is_empty() {
            notice.push(m.to_string());
        }
    }
    plan_page(
        &state,
        &a,
        &id,
        StatusCode::OK,
        PlanExtra {
            notice,
            ..Default::default()
        },
    )
    .await
}

fn people(pairs: &[(String, String)], prefix: &str) -> Vec<Person> {
    crate::ui::indexed_rows(
        pairs,
        prefix,
        20,
        Person::default,
        |p, field, v| match field {
            "name" => p.name = v.to_string(),
            "relation" => p.relation = v.to_string(),
            "phone" => p.phone = v.to_string(),
            _ => {}
        },
    )
}

fn plan_input(pairs: &[(String, String)]) -> PlanInput {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    PlanInput {
        hazards: pairs
            .iter()
            .filter(|(k, _)| k == "hazards")
            .map(|(_, v)| v.clone())
            .collect(),
        floor: get("floor"),
        elevator: get("elevator") == "true",
        primary: Destination {
            kind: get("primary.kind"),
            name: get("primary.name"),
            detail: get("primary.detail"),
        },
        secondary: Destination {
            kind: get("secondary.kind"),
            name: get("secondary.name"),
            detail: get("secondary.detail"),
        },
        transport: get("transport"),
        driver: get("driver"),
        supporters: people(pairs, "supporters."),
        hospital: get("hospital"),
        hospital_phone: get("hospital_phone"),
        admission: get("admission"),
        medicine_days: get("medicine_days"),
        consumable_days: get("consumable_days"),
        contacts: people(pairs, "contacts."),
        diagnoses: get("diagnoses"),
        medicines: get("medicines"),
        allergies: get("allergies"),
        blood_type: get("blood_type"),
        weight_kg: get("weight_kg"),
        family_wishes: get("family_wishes"),
        notes: get("notes"),
        agreed_on: get("agreed_on"),
        review_due: get("review_due"),
        drill_id: get("drill_id"),
    }
}

/// POST /children/{id}/plan — save a new version.
pub async fn plan_save(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let input = plan_input(&pairs);
    let parsed = crate::shared::scope_before_errors(
        PlanDraft::parse(&input, a.today()).map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await;
    let saved = match parsed {
        Ok(draft) => state.store.save_plan(a.actor(), &id, &draft, a.now).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok((_, warnings)) => Ok(Redirect::to(&format!(
            "/children/{id}/plan?saved=plan&warnings={}",
            warnings.join(",")
        ))
        .into_response()),
        Err(StoreError::Validation(errs)) => {
            let extra = PlanExtra {
                form: Some(input),
                errors: FormErrors::from(&errs, a.lang),
                ..Default::default()
            };
            plan_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Drill form (the page's form also carries `_csrf`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DrillForm {
    held_on: String,
    participants: String,
    scenario: String,
    worked: String,
    problems: String,
}

/// POST /children/{id}/drills — record a drill.
pub async fn drill_create(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<DrillForm>,
) -> PageResult {
    let input = DrillInput {
        held_on: f.held_on,
        participants: f.participants,
        scenario: f.scenario,
        worked: f.worked,
        problems: f.problems,
    };
    let parsed = crate::shared::scope_before_errors(
        input.parse(a.today()).map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await;
    let recorded = match parsed {
        Ok(drill) => {
            state
                .store
                .record_drill(a.actor(), &id, &drill, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match recorded {
        Ok(_) => {
            Ok(Redirect::to(&format!("/children/{id}/plan?saved=drill#drills")).into_response())
        }
        Err(StoreError::Validation(errs)) => {
            let extra = PlanExtra {
                drill: input,
                drill_errors: FormErrors::from(&errs, a.lang),
                ..Default::default()
            };
            plan_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "plan_diff.html")]
struct DiffPage {
    l: Layout,
    child_id: String,
    a: i64,
    b: i64,
    changes: Vec<Change>,
}

impl DiffPage {
    fn field_label(&self, f: &str) -> String {
        let key = format!("plan.f.{}", f.replace('.', "_"));
        let t = self.l.tr.t(&key);
        if t.is_empty() {
            f.to_string()
        } else {
            t.to_string()
        }
    }
}

#[derive(utoipa::IntoParams, Deserialize, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The earlier version number.
    #[param(pattern = "^[0-9]{1,9}$", required = true)]
    pub(crate) a: String,
    /// The later version number.
    #[param(pattern = "^[0-9]{1,9}$", required = true)]
    pub(crate) b: String,
}

/// GET /children/{id}/plan/diff?a=1&b=2 — what changed between two versions.
pub async fn plan_diff(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<DiffQuery>,
) -> PageResult {
    let changes = state.store.plan_diff(a.actor(), &id, &q.a, &q.b).await?;
    let (x, y) = (
        q.a.trim().parse().unwrap_or(0),
        q.b.trim().parse().unwrap_or(0),
    );
    page_status(
        StatusCode::OK,
        &DiffPage {
            l: Layout::for_user(&a, &format!("/children/{id}/plan/diff")),
            child_id: id,
            a: x,
            b: y,
            changes,
        },
    )
}

// ---------------------------------------------------------------- emergency sheets

#[derive(Template)]
#[template(path = "sheets.html")]
struct SheetsPage {
    l: Layout,
    h: SheetHelpers,
    sheets: Vec<EmergencySheet>,
    municipality: String,
    municipalities: Vec<(String, String)>,
    single: bool,
}

/// Labels the sheet needs, shared by the page and the offline pack.
pub struct SheetHelpers {
    lang: Lang,
    /// YYYY-MM-DD.
    pub printed_on: String,
}

impl SheetHelpers {
    /// What a sheet prints where it has no data: 未登録, never a blank a reader could take for
    /// "none".
    fn unrecorded(&self) -> &'static str {
        self.lang.pick("未登録", "Not recorded")
    }
    fn or_none(&self, v: Option<&str>) -> String {
        match v.map(str::trim) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => self.unrecorded().to_string(),
        }
    }
    /// A text field of the sheet's plan, or 未登録.
    fn plan_field(&self, s: &EmergencySheet, field: &str) -> String {
        let v = s.plan.as_ref().map(|p| match field {
            "blood_type" => p.blood_type.as_str(),
            "weight_kg" => p.weight_kg.as_str(),
            "diagnoses" => p.diagnoses.as_str(),
            "medicines" => p.medicines.as_str(),
            "allergies" => p.allergies.as_str(),
            "family_wishes" => p.family_wishes.as_str(),
            _ => "",
        });
        self.or_none(v)
    }
    fn care(&self, code: &str) -> String {
        domain::vocab::label(VocabKind::MedicalCareItem, code, self.lang)
            .unwrap_or(code)
            .to_string()
    }
    fn device(&self, kind: &str) -> &'static str {
        DeviceKind::parse(kind)
            .map(|k| k.label(self.lang))
            .unwrap_or("")
    }
    fn dest(&self, d: &Destination) -> String {
        destination_text(d, self.lang)
    }
    fn place(&self, code: &str) -> String {
        place(code)
    }
    fn sex(&self, code: &str) -> String {
        domain::Sex::parse(code)
            .map(|s| s.label(self.lang).to_string())
            .unwrap_or_default()
    }
    fn age(&self, birth: &str) -> String {
        match (birth.parse(), self.printed_on.parse()) {
            (Ok(b), Ok(t)) => domain::dates::age_on(b, t).to_string(),
            _ => String::new(),
        }
    }
}

/// The offline pack's printable document: every sheet of an area in one self-contained HTML
/// file (styles inline, no scripts), to print when the network is down.
#[derive(Template)]
#[template(path = "sheets_offline.html")]
struct OfflinePack<'a> {
    l: Layout,
    h: SheetHelpers,
    sheets: &'a [EmergencySheet],
    area: String,
    css: &'static str,
}

/// Renders the offline pack document for `sheets` of `area` (a municipality code).
pub fn offline_pack_html(
    sheets: &[EmergencySheet],
    area: &str,
    lang: Lang,
    printed_on: &str,
) -> Result<String, WebError> {
    let t = OfflinePack {
        l: Layout::anonymous(lang, String::new(), ""),
        h: SheetHelpers {
            lang,
            printed_on: printed_on.to_string(),
        },
        sheets,
        area: place(area),
        css: include_str!("../static/app.css"),
    };
    crate::ui::render(&t)
}

/// GET /children/{id}/sheet — one child's emergency information sheet (A4 print view).
pub async fn sheet(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    let sheets = state
        .store
        .emergency_sheets(a.actor(), Some(&id), None, a.now)
        .await?;
    page_status(
        StatusCode::OK,
        &SheetsPage {
            l: Layout::for_user(&a, &format!("/children/{id}/sheet")),
            h: SheetHelpers {
                lang: a.lang,
                printed_on: a.today().to_string(),
            },
            sheets,
            municipality: String::new(),
            municipalities: Vec::new(),
            single: true,
        },
    )
}

#[derive(utoipa::IntoParams, Deserialize, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SheetsQuery {
    #[param(pattern = "^[0-9]{6}$", required = true)]
    pub(crate) municipality: String,
    #[param(ignore)]
    encoding: String,
}

/// GET /sheets?municipality=392014 — every sheet of a municipality, one A4 page each (the
/// offline pack's printable document).
pub async fn sheets(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<SheetsQuery>,
) -> PageResult {
    let municipalities = crate::ui::center_municipalities(&state, &a).await?;
    let sheets = if q.municipality.trim().is_empty() {
        Vec::new()
    } else {
        state
            .store
            .emergency_sheets(a.actor(), None, Some(&q.municipality), a.now)
            .await?
    };
    page_status(
        StatusCode::OK,
        &SheetsPage {
            l: Layout::for_user(&a, "/sheets"),
            h: SheetHelpers {
                lang: a.lang,
                printed_on: a.today().to_string(),
            },
            sheets,
            municipality: q.municipality,
            municipalities,
            single: false,
        },
    )
}

/// The sheets as CSV rows (one per child), for the offline pack.
pub fn sheets_csv(
    sheets: &[EmergencySheet],
    encoding: CsvEncoding,
    lang: Lang,
) -> Result<Vec<u8>, domain::export::ExportError> {
    let header = [
        lang.pick("氏名", "Name"),
        lang.pick("フリガナ", "Kana"),
        lang.pick("生年月日", "Birth date"),
        lang.pick("市町村", "Municipality"),
        lang.pick("住所", "Address"),
        lang.pick("医療的ケア", "Medical care"),
        lang.pick("医療機器（設定）", "Devices (settings)"),
        lang.pick("診断名", "Diagnoses"),
        lang.pick("服薬", "Medicines"),
        lang.pick("アレルギー", "Allergies"),
        lang.pick("血液型", "Blood type"),
        lang.pick("体重(kg)", "Weight (kg)"),
        lang.pick("本人・家族の希望", "The family's wishes"),
        lang.pick("病院・主治医", "Hospital / doctor"),
        lang.pick("保護者・連絡先", "Guardians"),
        lang.pick("避難支援者", "Evacuation supporters"),
        lang.pick("緊急連絡先", "Emergency contacts"),
        lang.pick("避難先", "Evacuation"),
    ];
    let mut w = CsvWriter::new(encoding, &header)?;
    for s in sheets {
        let plan = s.plan.clone().unwrap_or_default();
        let care: Vec<String> = s
            .medical_care
            .iter()
            .map(|(c, d)| {
                let l = domain::vocab::label(VocabKind::MedicalCareItem, c, lang).unwrap_or(c);
                match d {
                    Some(d) => format!("{l}（{d}）"),
                    None => l.to_string(),
                }
            })
            .collect();
        let devices: Vec<String> = s
            .devices
            .iter()
            .map(|d| {
                format!(
                    "{} {} {}",
                    d.kind.label(lang),
                    d.name.as_deref().unwrap_or(""),
                    d.settings.as_deref().unwrap_or("")
                )
                .trim()
                .to_string()
            })
            .collect();
        let guardians: Vec<String> = s
            .guardians
            .iter()
            .map(|(r, n, p)| {
                format!("{r} {n} {}", p.as_deref().unwrap_or(""))
                    .trim()
                    .to_string()
            })
            .collect();
        let people = |list: &[domain::plan::Person]| {
            list.iter()
                .map(|p| format!("{}（{}）{}", p.name, p.relation, p.phone))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        w.write_row(&[
            s.name.clone(),
            s.kana.clone(),
            s.birth_date.clone(),
            place(&s.municipality_code),
            s.address.clone().unwrap_or_default(),
            care.join("、"),
            devices.join("、"),
            plan.diagnoses.clone(),
            plan.medicines.clone(),
            plan.allergies.clone(),
            plan.blood_type.clone(),
            plan.weight_kg.clone(),
            plan.family_wishes.clone(),
            format!(
                "{} {}",
                s.hospital.as_deref().unwrap_or(""),
                s.doctor.as_deref().unwrap_or("")
            )
            .trim()
            .to_string(),
            guardians.join(" / "),
            people(&plan.supporters),
            people(&plan.contacts),
            [
                destination_text(&plan.primary, lang),
                destination_text(&plan.secondary, lang),
            ]
            .into_iter()
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join(" → "),
        ])?;
    }
    w.finish()
}

/// GET /sheets.csv?municipality=&encoding=cp932|utf8 — the area's sheets as CSV.
pub async fn sheets_csv_download(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<SheetsQuery>,
) -> Result<Response, WebError> {
    let encoding = crate::ui::csv_encoding(&q.encoding)?;
    let sheets = state
        .store
        .emergency_sheets(a.actor(), None, Some(&q.municipality), a.now)
        .await?;
    let bytes =
        sheets_csv(&sheets, encoding, a.lang).map_err(|e| WebError::store(e.to_field_error()))?;
    crate::ui::csv_download(
        bytes,
        encoding,
        &format!("emergency-sheets-{}.csv", q.municipality.trim()),
    )
}

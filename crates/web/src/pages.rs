//! Server-rendered pages. Each handler: take the authorized caller, call the store, render a
//! template. Forms post back to the same page and re-render with inline errors on bad input.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use axum_extra::extract::{Form, Query};
use domain::dates::{AgeBand, FiscalYear};
use domain::vocab::{self, VocabKind};
use domain::{CareSetting, ChildStatus, Lang, Role, Sex, ValidationErrors};
use serde::Deserialize;
use store::centers::UserContext;
use store::children::{ChildAccess, ChildForm, ChildPage, ChildQuery, ChildRecord, GuardianForm};
use store::consultations::{Consultation, ConsultationForm, ConsultationQuery, PersonForm};
use store::error::DuplicateCandidate;
use store::login::LoginOutcome;
use store::reports::ConsultationReport;
use store::StoreError;

use crate::auth::{Authed, ClientAddr, Ctx, Identity, LANG_COOKIE, PRE_COOKIE, SESSION_COOKIE};
use crate::error::WebError;
use crate::i18n::Tr;
use crate::AppState;

pub(crate) type PageResult = Result<Response, WebError>;

/// Everything the shared layout needs.
pub struct Layout {
    /// Translator.
    pub tr: Tr,
    /// Logged-in user's display name and role label.
    pub user: Option<(String, String)>,
    /// CSRF token for forms and htmx requests.
    pub csrf: String,
    /// Current path (for the language switch's return link).
    pub path: String,
    /// Role of the user (navigation shows what they may use).
    pub role: Option<Role>,
    /// Unread notifications, shown in the menu as 通知 (3); 0 shows none.
    pub unread: i64,
    /// The user's center: its name for the header and which work it runs (the dispatch and
    /// payment menus show only where it does). `None` when nobody is logged in.
    pub center: Option<UserContext>,
}

impl Layout {
    pub(crate) fn for_user(a: &Authed, path: &str) -> Layout {
        Layout {
            unread: a.unread,
            ..Layout::for_identity(&a.id, a.lang, path)
        }
    }
    /// The layout of a logged-in caller's pages.
    pub(crate) fn for_identity(id: &Identity, lang: Lang, path: &str) -> Layout {
        Layout {
            tr: Tr(lang),
            user: Some((
                id.actor.display_name.clone(),
                id.actor
                    .role
                    .label_at(lang, id.context.runs_dispatch)
                    .to_string(),
            )),
            csrf: id.csrf.clone().unwrap_or_default(),
            path: path.to_string(),
            role: Some(id.actor.role),
            unread: 0,
            center: Some(id.context.clone()),
        }
    }
    /// The layout of a page for someone not logged in (login, second step, printouts).
    pub(crate) fn anonymous(lang: Lang, csrf: String, path: &str) -> Layout {
        Layout {
            tr: Tr(lang),
            user: None,
            csrf,
            path: path.to_string(),
            role: None,
            unread: 0,
            center: None,
        }
    }
    /// The center's name for the header ("" when not logged in).
    pub fn center_name(&self) -> &str {
        self.center.as_ref().map_or("", |c| c.center_name.as_str())
    }
    /// The center dispatches coordinators (コーディネーター派遣): show its menu.
    pub fn runs_dispatch(&self) -> bool {
        self.center.as_ref().is_some_and(|c| c.runs_dispatch)
    }
    /// The center produces the prefecture's payment statements: show its menu.
    pub fn runs_payments(&self) -> bool {
        self.center.as_ref().is_some_and(|c| c.runs_payments)
    }
    /// The user must change a temporary password before anything else: the menu is hidden.
    pub fn must_change_password(&self) -> bool {
        self.center.as_ref().is_some_and(|c| c.must_change_password)
    }
    /// Show the children/consultation navigation.
    pub fn reads(&self) -> bool {
        self.role
            .is_some_and(|r| crate::policy::READERS.contains(&r))
    }
    /// Show the intake link.
    pub fn writes(&self) -> bool {
        self.role
            .is_some_and(|r| crate::policy::WRITERS.contains(&r))
    }
    /// Show the "request a coordinator" links (派遣依頼).
    pub fn requests_dispatch(&self) -> bool {
        self.runs_dispatch()
            && self
                .role
                .is_some_and(|r| crate::policy::REQUESTERS.contains(&r))
    }
    /// Municipal user (sees outages of their area).
    pub fn municipal(&self) -> bool {
        self.role == Some(Role::Municipal)
    }
    /// Show the payment statements link (advisors and admins).
    pub fn leads(&self) -> bool {
        self.role.is_some_and(|r| crate::policy::LEADS.contains(&r))
    }
    /// Show the account administration link.
    pub fn admin(&self) -> bool {
        self.role == Some(Role::Admin)
    }
    /// Show the reports link.
    pub fn reports(&self) -> bool {
        self.role
            .is_some_and(|r| crate::policy::REPORTERS.contains(&r))
    }
}

/// Field errors keyed by field name, in the page's language.
#[derive(Default)]
pub struct FormErrors(HashMap<String, String>);

impl FormErrors {
    pub(crate) fn from(errors: &ValidationErrors, lang: Lang) -> FormErrors {
        let mut m = HashMap::new();
        for e in errors.iter() {
            m.entry(e.field.clone())
                .or_insert_with(|| e.message(lang).to_string());
        }
        FormErrors(m)
    }
    /// Message for a field, or "".
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
    /// Does the field have an error?
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    /// Any errors at all?
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
    /// All messages (for the summary at the top of a form).
    pub fn all(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.0.values().map(String::as_str).collect();
        v.sort_unstable();
        v
    }
}

pub(crate) fn render<T: Template>(t: &T) -> Result<String, WebError> {
    t.render()
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

pub(crate) fn page<T: Template>(t: &T) -> PageResult {
    Ok(Html(render(t)?).into_response())
}

pub(crate) fn page_status<T: Template>(status: StatusCode, t: &T) -> PageResult {
    Ok((status, Html(render(t)?)).into_response())
}

/// A municipality's name from the embedded list (the code itself if unknown).
pub(crate) fn place_name(code: &str) -> String {
    domain::municipality::lookup(code)
        .map(|g| g.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// The `encoding` of a CSV download: empty = CP932 (for Excel), else `cp932` or `utf8`.
pub(crate) fn csv_encoding(a: &Authed, raw: &str) -> Result<domain::export::CsvEncoding, WebError> {
    if raw.trim().is_empty() {
        return Ok(domain::export::CsvEncoding::Cp932);
    }
    domain::export::CsvEncoding::parse(raw).ok_or_else(|| {
        a.err(
            domain::FieldError::new(
                "encoding",
                "unknown_code",
                "文字コードは cp932 または utf8 を指定してください",
                "The encoding must be cp932 or utf8.",
            )
            .into(),
        )
    })
}

/// A CSV file as a download named `filename`.
pub(crate) fn csv_download(
    bytes: Vec<u8>,
    encoding: domain::export::CsvEncoding,
    filename: &str,
) -> Result<Response, WebError> {
    use axum::http::{header, HeaderValue};
    let mut res = bytes.into_response();
    let headers = res.headers_mut();
    let value = |s: String| {
        HeaderValue::from_str(&s).map_err(|e| WebError::Internal(format!("header: {e}")))
    };
    headers.insert(
        header::CONTENT_TYPE,
        value(format!("text/csv; charset={}", encoding.charset()))?,
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        value(format!("attachment; filename=\"{filename}\""))?,
    );
    Ok(res)
}

/// A vocabulary list as (code, label) pairs for selects and checkboxes.
pub(crate) fn choices(kind: VocabKind, lang: Lang) -> Vec<(String, String)> {
    vocab::entries(kind)
        .iter()
        .map(|e| (e.code.clone(), e.label(lang).to_string()))
        .collect()
}

/// Municipalities of the center's prefecture for pickers.
fn municipality_choices(state_center_juris: &str) -> Vec<(String, String)> {
    let pref = domain::municipality::prefecture_code_of(state_center_juris).unwrap_or_default();
    domain::municipality::municipalities_of_prefecture(&pref)
        .into_iter()
        .map(|g| {
            (
                g.code.clone(),
                domain::municipality::full_name(&g.code).unwrap_or_else(|| g.name.clone()),
            )
        })
        .collect()
}

/// The places a typed municipality name denotes when there are several (code, full name).
pub(crate) fn municipality_options(typed: &str) -> Vec<(String, String)> {
    let found = domain::municipality::find_by_name(typed);
    if found.len() < 2 {
        return Vec::new();
    }
    found
        .into_iter()
        .map(|g| {
            (
                g.code.clone(),
                domain::municipality::full_name(&g.code).unwrap_or_else(|| g.name.clone()),
            )
        })
        .collect()
}

pub(crate) async fn center_municipalities(
    state: &AppState,
    a: &Authed,
) -> Result<Vec<(String, String)>, WebError> {
    let center = state
        .store
        .center(&a.actor().center_id)
        .await
        .map_err(|e| a.err(e))?;
    Ok(center
        .map(|c| municipality_choices(&c.jurisdiction_code))
        .unwrap_or_default())
}

// ---------------------------------------------------------------- static, health, errors

/// Liveness probe and benchmark baseline: a constant answer.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Vendored assets, compiled into the binary (no CDN: municipal networks are closed).
pub async fn static_file(Path(file): Path<String>) -> Response {
    let (body, ctype): (&'static [u8], &str) = match file.as_str() {
        "htmx.min.js" => (
            include_bytes!("../static/htmx.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "app.js" => (
            include_bytes!("../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "app.css" => (
            include_bytes!("../static/app.css"),
            "text/css; charset=utf-8",
        ),
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    ([(header::CONTENT_TYPE, ctype)], body).into_response()
}

/// Unknown paths: 404 (JSON under /api; a page with the menu elsewhere, see
/// [`crate::error::error_pages`]).
pub async fn not_found(ctx: Ctx) -> Response {
    WebError::NotFound {
        api: ctx.api,
        lang: ctx.lang,
    }
    .into_response()
}

// ---------------------------------------------------------------- login, logout, language

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    error: String,
    login: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    pub(crate) next: String,
    /// Set when a two-factor challenge expired and the user starts again.
    pub(crate) expired: String,
}

pub(crate) fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// A cookie that tells the browser to drop `name`, with the same flags as when it was set.
pub(crate) fn removal(name: &'static str, state: &AppState) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), state);
    c.make_removal();
    c
}

pub(crate) fn cookie(name: &'static str, value: String, state: &AppState) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .build()
}

/// GET /login
pub async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> PageResult {
    let (jar, token) = pre_token(jar, &state);
    let t = LoginPage {
        l: Layout::anonymous(ctx.lang, token, "/login"),
        error: if q.expired.is_empty() {
            String::new()
        } else {
            Tr(ctx.lang).t("login.expired").to_string()
        },
        login: String::new(),
        next: safe_next(&q.next),
    };
    Ok((jar, Html(render(&t)?)).into_response())
}

pub(crate) fn pre_token(jar: CookieJar, state: &AppState) -> (CookieJar, String) {
    match jar.get(PRE_COOKIE).map(|c| c.value().to_string()) {
        Some(t) => (jar, t),
        None => {
            let t = store::users::random_token();
            (jar.add(cookie(PRE_COOKIE, t.clone(), state)), t)
        }
    }
}

/// Login form body.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
}

/// POST /login — same message whether the login exists or not; throttled per account and address.
pub async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let now = state.clock.now();
    let login = f.login.trim().to_string();
    let (jar, token) = pre_token(jar, &state);
    let fail = |jar: CookieJar, status: StatusCode, key: &str| -> PageResult {
        let t = LoginPage {
            l: Layout::anonymous(ctx.lang, token.clone(), "/login"),
            error: Tr(ctx.lang).t(key).to_string(),
            login: login.clone(),
            next: safe_next(&f.next),
        };
        Ok((status, jar, Html(render(&t)?)).into_response())
    };
    let Some(slot) = state.throttle.begin(&addr, now) else {
        return fail(jar, StatusCode::TOO_MANY_REQUESTS, "login.throttled");
    };
    let outcome = state
        .store
        .login(&login, &f.password, now)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let next = safe_next(&f.next);
    let second_step = |jar: CookieJar, challenge: String| -> PageResult {
        let jar = jar.add(cookie(crate::account::MFA_COOKIE, challenge, &state));
        let to = format!(
            "/login/code?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        Ok((jar, Redirect::to(&to)).into_response())
    };
    match outcome {
        LoginOutcome::Session { raw, .. } => {
            state.throttle.succeeded(slot);
            let jar = jar.add(cookie(SESSION_COOKIE, raw, &state));
            Ok((jar, Redirect::to(&next)).into_response())
        }
        LoginOutcome::NeedsCode { challenge } | LoginOutcome::MustEnroll { challenge } => {
            state.throttle.succeeded(slot);
            second_step(jar, challenge)
        }
        // The attempt was counted against the address when it began.
        LoginOutcome::Failed => fail(jar, StatusCode::UNAUTHORIZED, "login.failed"),
    }
}

/// POST /logout — ends the session server-side.
pub async fn logout(State(state): State<AppState>, a: Authed, jar: CookieJar) -> PageResult {
    if let Some(raw) = &a.id.session {
        state
            .store
            .logout(raw, a.actor(), state.clock.now())
            .await
            .map_err(|e| a.err(e))?;
    }
    let jar = jar.add(removal(SESSION_COOKIE, &state));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BackQuery {
    back: String,
}

/// GET /lang/{lang} — switch the page language and return.
pub async fn set_lang(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    jar: CookieJar,
    Query(q): Query<BackQuery>,
) -> Response {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let jar = jar.add(cookie(LANG_COOKIE, lang.code().to_string(), &state));
    (jar, Redirect::to(&safe_next(&q.back))).into_response()
}

// ---------------------------------------------------------------- home

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
    dispatch: crate::dispatch::HomeDispatch,
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
    let today = state.clock.today_jst();
    let fy = FiscalYear::of(today);
    let actor = a.actor();
    let report = if crate::policy::REPORTERS.contains(&actor.role) {
        Some(
            state
                .store
                .consultation_summary(actor, fy.start(), fy.end())
                .await
                .map_err(|e| a.err(e))?,
        )
    } else {
        None
    };
    let (followups, recent) = if actor.reads_children() {
        let f = state
            .store
            .my_due_followups(actor, today)
            .await
            .map_err(|e| a.err(e))?;
        let r = state
            .store
            .list_consultations(
                actor,
                &ConsultationQuery {
                    limit: Some(10),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| a.err(e))?;
        (f, r.items)
    } else {
        (Vec::new(), Vec::new())
    };
    let break_glass = if crate::policy::LEADS.contains(&actor.role) {
        let jst = |t: &str| {
            store::parse_ts(t)
                .map(|t| {
                    t.with_timezone(&domain::dates::jst())
                        .format("%m/%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default()
        };
        state
            .store
            .recent_break_glass(actor, state.clock.now())
            .await
            .map_err(|e| a.err(e))?
            .into_iter()
            .map(|g| {
                let (from, to) = (jst(&g.started_at), jst(&g.expires_at));
                (g, from, to)
            })
            .collect()
    } else {
        Vec::new()
    };
    let incoming = state
        .store
        .incoming_referrals(actor)
        .await
        .map_err(|e| a.err(e))?;
    let overdue_plans = state
        .store
        .overdue_plans(actor, today)
        .await
        .map_err(|e| a.err(e))?;
    let (missing_power, missing_power_total) = state
        .store
        .missing_power_data(actor, state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    let dispatch = crate::dispatch::home_dispatch(&state, &a).await?;
    page(&HomePage {
        l: Layout::for_user(&a, "/"),
        dispatch,
        break_glass,
        incoming,
        overdue_plans,
        missing_power,
        missing_power_total,
        fiscal_year: fy.label(a.lang),
        report,
        followups,
        recent,
        saved: q.saved == "1",
        today: today.to_string(),
    })
}

// ---------------------------------------------------------------- children

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

fn query_string(pairs: &[(&str, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// GET /children — search and filter the registry.
pub async fn children_list(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<ChildQuery>,
) -> PageResult {
    let today = state.clock.today_jst();
    let result = state
        .store
        .search_children(a.actor(), &q, today)
        .await
        .map_err(|e| a.err(e))?;
    audit_list(
        &state,
        &a,
        "child.search",
        &format!("q={} results={}", q.q, result.items.len()),
    )
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

async fn audit_list(
    state: &AppState,
    a: &Authed,
    action: &str,
    detail: &str,
) -> Result<(), WebError> {
    state
        .store
        .audit_event(
            Some(a.actor()),
            state.clock.now(),
            store::audit::AuditEntry {
                action,
                entity: "list",
                entity_id: None,
                detail: detail.chars().take(200).collect(),
            },
        )
        .await
        .map_err(|e| a.err(e))
}

/// Rows of a form posted as `prefix.N.field` (device rows, a plan's people): `new` makes an
/// empty row, `set` stores one field's value. Rows from `max` on are ignored; a gap in the
/// numbering leaves an empty row, which the parsers skip as blank.
pub(crate) fn indexed_rows<T>(
    pairs: &[(String, String)],
    prefix: &str,
    max: usize,
    new: impl Fn() -> T,
    mut set: impl FnMut(&mut T, &str, &str),
) -> Vec<T> {
    let mut rows: Vec<T> = Vec::new();
    for (k, v) in pairs {
        let Some((i, field)) = k.strip_prefix(prefix).and_then(|r| r.split_once('.')) else {
            continue;
        };
        let Ok(i) = i.parse::<usize>() else { continue };
        if i >= max {
            continue;
        }
        while rows.len() <= i {
            rows.push(new());
        }
        set(&mut rows[i], field, v);
    }
    rows
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
    /// same rows as the power page's) by [`crate::disaster::device_inputs`].
    fn parse(pairs: &[(String, String)]) -> (ChildForm, bool, Option<i64>) {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().filter(|(k, _)| !k.starts_with("devices.")))
            .finish();
        // Every field is a string or a list of strings with a default, so any body decodes.
        let h: ChildHtmlForm = serde_html_form::from_str(&encoded).unwrap_or_default();
        let (mut form, confirm, version) = h.into_form();
        form.devices = crate::disaster::device_inputs(pairs);
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
    let orgs = state
        .store
        .list_organizations(a.actor(), None)
        .await
        .map_err(|e| a.err(e))?;
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
        .await
        .map_err(|e| a.err(e))?;
    let mut guardian_rows = f.guardians.clone();
    while guardian_rows.len() < 2 {
        guardian_rows.push(GuardianForm::default());
    }
    let device_rows = crate::disaster::device_rows(&f.devices);
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
        kinds: crate::disaster::device_kinds(lang),
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

/// POST /children — register; re-renders with inline errors or a duplicate warning.
pub async fn child_create(
    State(state): State<AppState>,
    a: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let (form, confirm, _) = ChildHtmlForm::parse(&pairs);
    match state
        .store
        .register_child(a.actor(), &form, confirm, state.clock.now())
        .await
    {
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
        Err(e) => Err(a.err(e)),
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
    let now = state.clock.now();
    let c = match state.store.view_child(a.actor(), &id, now).await {
        Ok(c) => c,
        // Same center, outside the coordinator's assignments: offer break-the-glass.
        Err(StoreError::Forbidden) if a.actor().assigned_only() => {
            return break_glass_form(&a, &id, FormErrors::default(), "");
        }
        Err(e) => return Err(a.err(e)),
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
    let timeline = if !matches!(c.access, ChildAccess::BreakGlass { .. }) {
        state
            .store
            .list_consultations(
                a.actor(),
                &ConsultationQuery {
                    child_id: id.clone(),
                    limit: Some(TIMELINE_LENGTH),
                    ..Default::default()
                },
            )
            .await
    } else {
        state
            .store
            .break_glass_timeline(a.actor(), &id, TIMELINE_LENGTH, now)
            .await
    }
    .map_err(|e| a.err(e))?;
    let timeline_more = timeline.next.is_some();
    let consultations = timeline.items;
    let today = state.clock.today_jst();
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
        .open_break_glass(a.actor(), &id, &f.reason, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/children/{id}")).into_response()),
        Err(StoreError::Validation(errs)) => {
            break_glass_form(&a, &id, FormErrors::from(&errs, a.lang), &f.reason)
        }
        Err(e) => Err(a.err(e)),
    }
}

/// GET /children/{id}/edit
pub async fn child_edit(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> PageResult {
    let c = state
        .store
        .view_child(a.actor(), &id, state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
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
    match state
        .store
        .update_child(a.actor(), &id, &form, version, state.clock.now())
        .await
    {
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
        Err(e) => Err(a.err(e)),
    }
}

// ---------------------------------------------------------------- intake

/// The intake form as posted by the browser.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct IntakeHtmlForm {
    pub(crate) occurred_at: String,
    pub(crate) channel: String,
    pub(crate) requester_kind: String,
    pub(crate) requester_name: String,
    pub(crate) requester_org: String,
    /// child, person (a new unregistered person), anonymous, or existing (the edit page:
    /// keep the unregistered person `person_id` the consultation is about).
    pub(crate) subject: String,
    pub(crate) child_id: String,
    pub(crate) person_id: String,
    pub(crate) person_name: String,
    pub(crate) person_kana: String,
    /// "1": the person typed is not the earlier one of the same name the form offered
    /// (「別の方です」); a new person is recorded.
    pub(crate) person_distinct: String,
    pub(crate) topics: Vec<String>,
    pub(crate) summary: String,
    pub(crate) response: String,
    pub(crate) staff_id: String,
    pub(crate) duration_minutes: String,
    pub(crate) followup_due: String,
    pub(crate) followup_assignee_id: String,
    /// The edit page: the record's version when the form was loaded (the intake has none).
    pub(crate) version: String,
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    l: Layout,
    f: IntakeHtmlForm,
    errors: FormErrors,
    child_label: String,
    channels: Vec<(String, String)>,
    requesters: Vec<(String, String)>,
    topics: Vec<(String, String)>,
    staff: Vec<(String, String)>,
    results: Vec<ChildHit>,
    q: String,
    /// Every problem, in the order of the form, each naming its field as labelled.
    summary: Vec<(String, String)>,
    /// The earlier unregistered person of the same name offered as "the same person?".
    pm: SamePersonOffer,
}

/// The intake form's fields in the order it shows them: (error field, id of the input to jump
/// to, catalogue key of its label on the form).
const INTAKE_FIELDS: &[(&str, &str, &str)] = &[
    ("subject", "subject-child", "intake.subject"),
    ("child_id", "child-q", "intake.child_search"),
    ("person_id", "child-q", "intake.subject"),
    ("person.name", "person_name", "intake.person_name"),
    ("person.name_kana", "person_kana", "intake.person_kana"),
    ("occurred_at", "occurred_at", "consultation.occurred_at"),
    ("channel", "channel", "consultation.channel"),
    (
        "requester_kind",
        "requester_kind",
        "consultation.requester_kind",
    ),
    (
        "requester_name",
        "requester_name",
        "consultation.requester_name",
    ),
    (
        "requester_org",
        "requester_org",
        "consultation.requester_org",
    ),
    ("topics", "topics", "consultation.topics"),
    ("summary", "summary", "consultation.summary"),
    ("response", "response", "consultation.response"),
    ("staff_id", "staff_id", "consultation.staff"),
    (
        "duration_minutes",
        "duration_minutes",
        "consultation.duration",
    ),
    ("followup_due", "followup_due", "consultation.followup_due"),
    (
        "followup_assignee_id",
        "followup_assignee_id",
        "consultation.followup_assignee",
    ),
];

/// The error summary of the intake form: "label: message" per field in form order (anything
/// else the store reported last), each with the input it is about.
fn intake_summary(errors: &FormErrors, tr: Tr) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = INTAKE_FIELDS
        .iter()
        .filter(|(field, _, _)| errors.has(field))
        .map(|(field, id, label)| {
            (
                (*id).to_string(),
                crate::error::name_field(tr.t(label), errors.get(field)),
            )
        })
        .collect();
    let mut rest: Vec<&String> = errors
        .0
        .keys()
        .filter(|k| !INTAKE_FIELDS.iter().any(|(f, _, _)| f == k))
        .collect();
    rest.sort_unstable();
    out.extend(
        rest.into_iter()
            .map(|k| ("intake-form".to_string(), errors.get(k).to_string())),
    );
    out
}

impl IntakePage {
    fn has_topic(&self, code: &str) -> bool {
        self.f.topics.iter().any(|t| t == code)
    }
}

/// An earlier unregistered person with the name and reading typed on the intake, offered to
/// link (`intake_person_match.html`, included by the page and answered alone to htmx).
#[derive(Default)]
pub struct SamePersonOffer {
    /// The person's id; empty when there is nothing to offer.
    pub(crate) id: String,
    /// 「同じ方ですか？ 〇〇さん（前回 2026-11-02）」
    pub(crate) question: String,
    /// The form chose to link to them.
    pub(crate) linked: bool,
    /// The form said it is a different person.
    pub(crate) distinct: bool,
}

/// The offer for what the intake form holds: only for a new unregistered person with a name.
/// The read is audited (`consultation.same_person`) before anything about the person is shown.
async fn same_person_offer(
    state: &AppState,
    a: &Authed,
    name: &str,
    kana: &str,
    linked: bool,
    distinct: bool,
) -> Result<SamePersonOffer, WebError> {
    let Some(m) = state
        .store
        .same_person(a.actor(), name, kana)
        .await
        .map_err(|e| a.err(e))?
    else {
        return Ok(SamePersonOffer::default());
    };
    state
        .store
        .audit_event(
            Some(a.actor()),
            state.clock.now(),
            store::audit::AuditEntry {
                action: "consultation.same_person",
                entity: "person",
                entity_id: Some(&m.id),
                detail: String::new(),
            },
        )
        .await
        .map_err(|e| a.err(e))?;
    let tr = Tr(a.lang);
    let last = m
        .last_on
        .as_deref()
        .map(|d| tr.t("intake.same_person_last").replace("{date}", d))
        .unwrap_or_default();
    Ok(SamePersonOffer {
        question: tr
            .t("intake.same_person_q")
            .replace("{name}", &m.name)
            .replace("{last}", &last),
        id: m.id,
        linked,
        distinct,
    })
}

#[derive(Template)]
#[template(path = "intake_person_match.html")]
struct PersonMatchPartial {
    l: Layout,
    pm: SamePersonOffer,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PersonMatchQuery {
    person_name: String,
    person_kana: String,
}

/// GET /intake/person-match — htmx partial: the earlier person of the name and reading typed
/// so far, if any, offered to link.
pub async fn intake_person_match(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<PersonMatchQuery>,
) -> PageResult {
    let pm = same_person_offer(&state, &a, &q.person_name, &q.person_kana, false, false).await?;
    page(&PersonMatchPartial {
        l: Layout::for_user(&a, "/intake"),
        pm,
    })
}

/// One search hit in the intake form.
pub struct ChildHit {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kana: String,
    pub(crate) birth: String,
    pub(crate) municipality: String,
    /// What was typed is this child's whole name or whole reading (not just a prefix or the
    /// given name). Only a hit that is exact and alone may be chosen in advance: with two
    /// namesakes, or a partial name, the person at the phone must pick.
    pub(crate) exact: bool,
}

/// The hit the intake may choose in advance: the only hit, and an exact one.
pub(crate) fn preselect(hits: &[ChildHit]) -> &str {
    match hits {
        [one] if one.exact => &one.id,
        _ => "",
    }
}

#[derive(Template)]
#[template(path = "intake_results.html")]
struct IntakeResults {
    l: Layout,
    results: Vec<ChildHit>,
    q: String,
    selected: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IntakeQuery {
    child_id: String,
    q: String,
}

pub(crate) async fn child_hits(
    state: &AppState,
    a: &Authed,
    q: &str,
) -> Result<Vec<ChildHit>, WebError> {
    if q.trim().is_empty() {
        return Ok(Vec::new());
    }
    let page = state
        .store
        .search_children(
            a.actor(),
            &ChildQuery {
                q: q.to_string(),
                limit: Some(8),
                ..Default::default()
            },
            state.clock.today_jst(),
        )
        .await
        .map_err(|e| a.err(e))?;
    audit_list(
        state,
        a,
        "child.search",
        &format!("intake q={q} results={}", page.items.len()),
    )
    .await?;
    let key = domain::kana::normalize_for_search(q);
    let norm = domain::kana::normalize_for_search;
    Ok(page
        .items
        .into_iter()
        .map(|c| ChildHit {
            exact: key == norm(&format!("{}{}", c.family_name, c.given_name))
                || key == norm(&format!("{}{}", c.family_name_kana, c.given_name_kana)),
            id: c.id,
            name: format!("{} {}", c.family_name, c.given_name),
            kana: format!("{} {}", c.family_name_kana, c.given_name_kana),
            birth: c.birth_date,
            municipality: domain::municipality::lookup(&c.municipality_code)
                .map(|g| g.name.clone())
                .unwrap_or_default(),
        })
        .collect())
}

async fn intake_page_for(
    state: &AppState,
    a: &Authed,
    f: IntakeHtmlForm,
    errors: FormErrors,
    q: String,
) -> Result<IntakePage, WebError> {
    let lang = a.lang;
    let child_label = if f.child_id.is_empty() {
        String::new()
    } else {
        state
            .store
            .child_brief(a.actor(), &f.child_id)
            .await
            .map_err(|e| a.err(e))?
            .unwrap_or_default()
    };
    let staff = state
        .store
        .center_users(&a.actor().center_id)
        .await
        .map_err(|e| a.err(e))?
        .into_iter()
        .filter(|(_, _, r)| crate::policy::WRITERS.contains(r))
        .map(|(id, name, _)| (id, name))
        .collect();
    let results = child_hits(state, a, &q).await?;
    let pm = if matches!(f.subject.as_str(), "person" | "existing") && f.child_id.is_empty() {
        same_person_offer(
            state,
            a,
            &f.person_name,
            &f.person_kana,
            f.subject == "existing",
            f.person_distinct == "1",
        )
        .await?
    } else {
        SamePersonOffer::default()
    };
    Ok(IntakePage {
        l: Layout::for_user(a, "/intake"),
        pm,
        child_label,
        channels: choices(VocabKind::ConsultationChannel, lang),
        requesters: choices(VocabKind::RequesterKind, lang),
        topics: choices(VocabKind::ConsultationTopic, lang),
        staff,
        results,
        q,
        f,
        summary: intake_summary(&errors, Tr(lang)),
        errors,
    })
}

/// GET /intake — the form for a live phone call; defaults to now and to the current user.
pub async fn intake_page(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<IntakeQuery>,
) -> PageResult {
    let now = state.clock.now().with_timezone(&domain::dates::jst());
    let f = IntakeHtmlForm {
        occurred_at: now.format("%Y-%m-%dT%H:%M").to_string(),
        channel: "phone".into(),
        subject: "child".into(),
        child_id: q.child_id.clone(),
        staff_id: a.actor().user_id.clone(),
        ..Default::default()
    };
    page(&intake_page_for(&state, &a, f, FormErrors::default(), q.q).await?)
}

/// GET /intake/child-search — htmx partial: children matching what was typed so far.
pub async fn intake_child_search(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<IntakeQuery>,
) -> PageResult {
    let results = child_hits(&state, &a, &q.q).await?;
    page(&IntakeResults {
        l: Layout::for_user(&a, "/intake"),
        results,
        q: q.q,
        selected: q.child_id,
    })
}

impl IntakeHtmlForm {
    fn to_form(&self) -> ConsultationForm {
        let person = match self.subject.as_str() {
            "anonymous" => Some(PersonForm {
                anonymous: true,
                ..Default::default()
            }),
            "person" => Some(PersonForm {
                name: self.person_name.clone(),
                name_kana: self.person_kana.clone(),
                anonymous: false,
                distinct: self.person_distinct == "1",
            }),
            _ => None,
        };
        ConsultationForm {
            occurred_at: self.occurred_at.clone(),
            channel: self.channel.clone(),
            requester_kind: self.requester_kind.clone(),
            requester_name: self.requester_name.clone(),
            requester_org: self.requester_org.clone(),
            child_id: if self.subject == "child" {
                self.child_id.clone()
            } else {
                String::new()
            },
            person_id: if self.subject == "existing" {
                self.person_id.clone()
            } else {
                String::new()
            },
            person,
            topics: self.topics.clone(),
            summary: self.summary.clone(),
            response: self.response.clone(),
            staff_id: self.staff_id.clone(),
            duration_minutes: None,
            followup_due: self.followup_due.clone(),
            followup_assignee_id: self.followup_assignee_id.clone(),
        }
    }

    /// The browser's fields as the store's form, with the checks only a browser form needs
    /// (minutes typed as text, a subject chosen but not picked). Shared by the intake and the
    /// consultation edit page so both validate alike; the store validates the rest.
    pub(crate) fn parse(&self) -> Result<ConsultationForm, ValidationErrors> {
        let mut form = self.to_form();
        let mut errs = ValidationErrors::new();
        let d = self.duration_minutes.trim();
        if !d.is_empty() {
            match d.parse::<i64>() {
                Ok(m) => form.duration_minutes = Some(m),
                Err(_) => errs.push(domain::FieldError::new(
                    "duration_minutes",
                    "not_a_number",
                    "所要時間は分単位の数字で入力してください",
                    "Duration must be a number of minutes",
                )),
            }
        }
        match self.subject.as_str() {
            "child" if self.child_id.trim().is_empty() => errs.push(domain::FieldError::new(
                "child_id",
                "required",
                "児童を検索して選ぶか、「登録外の人」「匿名」を選んでください",
                "Search and pick a child, or choose \"unregistered person\" or \"anonymous\"",
            )),
            "existing" if self.person_id.trim().is_empty() => errs.push(domain::FieldError::new(
                "child_id",
                "required",
                "相談の対象を選んでください",
                "Choose who the consultation is about",
            )),
            // An unregistered person needs at least a name (the store treats an empty person
            // as "nobody").
            "person" if self.person_name.trim().is_empty() => {
                errs.push(domain::FieldError::required("person.name"))
            }
            "child" | "existing" | "person" | "anonymous" => {}
            _ => errs.push(domain::FieldError::new(
                "subject",
                "required",
                "児童・登録外の人・匿名のいずれかを選んでください",
                "Choose a registered child, an unregistered person or anonymous",
            )),
        }
        errs.into_result()?;
        Ok(form)
    }
}

/// POST /intake — save the consultation in one submit.
pub async fn intake_submit(
    State(state): State<AppState>,
    a: Authed,
    Form(h): Form<IntakeHtmlForm>,
) -> PageResult {
    let result = match h.parse() {
        Ok(form) => {
            state
                .store
                .record_consultation(a.actor(), &form, state.clock.now())
                .await
        }
        Err(mut errs) => {
            // Report the rest of the form's problems in the same answer, not one round at a
            // time.
            if let Err(more) = h.to_form().check(state.clock.now()) {
                errs.0.extend(more.0);
            }
            Err(StoreError::Validation(errs))
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to("/?saved=1").into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            page_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &intake_page_for(&state, &a, h, errors, String::new()).await?,
            )
        }
        Err(e) => Err(a.err(e)),
    }
}

// ---------------------------------------------------------------- consultations

#[derive(Template)]
#[template(path = "consultations.html")]
struct ConsultationsPage {
    l: Layout,
    q: ConsultationQuery,
    items: Vec<Consultation>,
    next_link: String,
    channels: Vec<(String, String)>,
    requesters: Vec<(String, String)>,
    topics: Vec<(String, String)>,
    staff: Vec<(String, String)>,
    can_write: bool,
}

impl ConsultationsPage {
    fn topic_labels(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| self.l.tr.vocab(VocabKind::ConsultationTopic, c))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn channel(&self, code: &str) -> String {
        self.l.tr.vocab(VocabKind::ConsultationChannel, code)
    }
    fn requester(&self, code: &str) -> String {
        self.l.tr.vocab(VocabKind::RequesterKind, code)
    }
    fn when(&self, at: &str) -> String {
        store::parse_ts(at)
            .map(|t| {
                t.with_timezone(&domain::dates::jst())
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    }
}

/// GET /consultations — filtered list with follow-up actions.
pub async fn consultations_list(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<ConsultationQuery>,
) -> PageResult {
    let result = match state.store.list_consultations(a.actor(), &q).await {
        Ok(r) => r,
        Err(StoreError::Validation(_)) => store::consultations::ConsultationPage {
            items: Vec::new(),
            next: None,
        },
        Err(e) => return Err(a.err(e)),
    };
    audit_list(
        &state,
        &a,
        "consultation.list",
        &format!("results={}", result.items.len()),
    )
    .await?;
    let next_link = result
        .next
        .as_ref()
        .map(|n| {
            format!(
                "/consultations?{}",
                query_string(&[
                    ("from", q.from.clone()),
                    ("to", q.to.clone()),
                    ("channel", q.channel.clone()),
                    ("requester_kind", q.requester_kind.clone()),
                    ("topic", q.topic.clone()),
                    ("staff", q.staff.clone()),
                    ("child_id", q.child_id.clone()),
                    (
                        "open_followups",
                        if q.open_followups {
                            "true".into()
                        } else {
                            String::new()
                        }
                    ),
                    ("before", n.clone()),
                ])
            )
        })
        .unwrap_or_default();
    let staff = state
        .store
        .center_users(&a.actor().center_id)
        .await
        .map_err(|e| a.err(e))?
        .into_iter()
        .map(|(id, n, _)| (id, n))
        .collect();
    page(&ConsultationsPage {
        l: Layout::for_user(&a, "/consultations"),
        channels: choices(VocabKind::ConsultationChannel, a.lang),
        requesters: choices(VocabKind::RequesterKind, a.lang),
        topics: choices(VocabKind::ConsultationTopic, a.lang),
        staff,
        can_write: a.actor().writes_records(),
        q,
        items: result.items,
        next_link,
    })
}

/// POST /consultations/{id}/followup-done — mark done and return to where the user was.
pub async fn followup_done(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    state
        .store
        .complete_followup(a.actor(), &id, state.clock.now())
        .await
        .map_err(|e| a.err(e))?;
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string()))
        })
        .unwrap_or_else(|| "/".into());
    Ok(Redirect::to(&safe_next(&back)).into_response())
}

// ---------------------------------------------------------------- reports

// The page itself lives in `crate::reports`; the API shares this parser.

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

// ---------------------------------------------------------------- organizations

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    l: Layout,
    kind: String,
    items: Vec<store::organizations::Organization>,
    kinds: Vec<(String, String)>,
    municipalities: Vec<(String, String)>,
    form: store::organizations::OrganizationForm,
    errors: FormErrors,
    saved: bool,
}

impl OrganizationsPage {
    fn kind_label(&self, code: &str) -> String {
        self.l.tr.vocab(VocabKind::OrganizationKind, code)
    }
    fn muni_name(&self, code: &Option<String>) -> String {
        code.as_deref()
            .and_then(domain::municipality::full_name)
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrganizationsQuery {
    kind: String,
    saved: String,
}

async fn organizations_page(
    state: &AppState,
    a: &Authed,
    kind: String,
    form: store::organizations::OrganizationForm,
    errors: FormErrors,
    saved: bool,
) -> Result<OrganizationsPage, WebError> {
    let items = state
        .store
        .list_organizations(a.actor(), (!kind.is_empty()).then_some(kind.as_str()))
        .await
        .map_err(|e| a.err(e))?;
    Ok(OrganizationsPage {
        l: Layout::for_user(a, "/organizations"),
        kind,
        items,
        kinds: choices(VocabKind::OrganizationKind, a.lang),
        municipalities: center_municipalities(state, a).await?,
        form,
        errors,
        saved,
    })
}

/// GET /organizations — 関係機関: the hospitals, providers, schools and offices the center
/// works with, filtered by kind, with a form to add one.
pub async fn organizations_list(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<OrganizationsQuery>,
) -> PageResult {
    let form = store::organizations::OrganizationForm {
        kind: if q.kind.is_empty() {
            "hospital".into()
        } else {
            q.kind.clone()
        },
        ..Default::default()
    };
    page(
        &organizations_page(
            &state,
            &a,
            q.kind,
            form,
            FormErrors::default(),
            q.saved == "1",
        )
        .await?,
    )
}

/// POST /organizations — add one; re-renders with inline errors on bad input.
pub async fn organization_create(
    State(state): State<AppState>,
    a: Authed,
    Form(form): Form<store::organizations::OrganizationForm>,
) -> PageResult {
    match state
        .store
        .add_organization(a.actor(), &form, state.clock.now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/organizations?saved=1").into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            page_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &organizations_page(&state, &a, String::new(), form, errors, false).await?,
            )
        }
        Err(e) => Err(a.err(e)),
    }
}

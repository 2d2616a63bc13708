//! The auditor's pages (監査ログの閲覧・出力): browse the audit log of the auditor's own
//! center with filters, follow "who viewed this child", export CSV (CP932 or UTF-8 with BOM),
//! and the same search as JSON under `/api/v1/audit`. Only the `auditor` role is admitted
//! (see `policy.rs`); the store checks the role again and scopes rows to the center.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use axum_extra::extract::{Query, QueryRejection};
use domain::export::CsvEncoding;
use domain::{messages, Lang, Role, ValidationErrors};
use serde::Deserialize;
use store::audit::{AuditCsvLayout, AuditFilter, AuditListRow, AuditPage, AUDIT_ENTITIES};
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::ui::{jst_time, Layout};
use crate::AppState;

/// Most rows one CSV export holds (the newest ones); the page says so when a filter matches more.
pub const EXPORT_CAP: usize = store::audit::AUDIT_EXPORT_CAP;

/// Every action the application writes to the audit log: the store's use cases and the web
/// layer's audited list and search reads. Each has a label `audit.action.<code>` in the message
/// catalog, and each family (the part before the first `.`) one `audit.action.<family>.`; the
/// page's action filter offers them all. A test checks the sources write no action missing here.
pub const AUDIT_ACTIONS: &[&str] = &[
    "child.view",
    "child.view.denied",
    "child.search",
    "child.create",
    "child.update",
    "child.break_glass",
    "child.break_glass.list",
    "child.refer",
    "child.refer.override",
    "child.refer.refused",
    "child.services.view",
    "child.service_period",
    "child.power.view",
    "child.power.update",
    "child.power_unit",
    "child.power_unit.return",
    "child.power.missing.list",
    "home.view",
    "child.access.lapsed",
    "child.plan.view",
    "child.plan.save",
    "child.drill",
    "child.sheet.view",
    "consent.view",
    "consent.create",
    "consent.withdraw",
    "consultation.view",
    "consultation.view.denied",
    "consultation.list",
    "consultation.create",
    "consultation.update",
    "consultation.followup_done",
    "consultation.same_person",
    "organization.create",
    "coordinator.create",
    "coordinator.update",
    "dispatch.list",
    "dispatch.view",
    "dispatch.request",
    "dispatch.request.cancel",
    "dispatch.propose",
    "dispatch.propose.override",
    "dispatch.propose.refused",
    "dispatch.accept",
    "dispatch.decline",
    "dispatch.withdraw",
    "dispatch.start",
    "dispatch.complete",
    "dispatch.cancel",
    "dispatch.activity",
    "dispatch.activity.void",
    "dispatch.advice",
    "dispatch.advice.ask",
    "dispatch.batch",
    "dispatch.weights",
    "dispatch.home",
    "dispatch.notifications",
    "payment.month.view",
    "payment.statement.view",
    "payment.approve",
    "payment.approve.amendment",
    "payment.rates",
    "incident.open",
    "incident.close",
    "incident.checkin",
    "incident.triage",
    "incident.triage.municipal",
    "login.ok",
    "login.password_ok",
    "login.failed",
    "login.code_failed",
    "logout",
    "mfa.enroll",
    "mfa.recovery_codes",
    "user.create",
    "user.password_change",
    "user.locked",
    "user.disable",
    "user.enable",
    "user.end_sessions",
    "user.unlock",
    "user.reset_mfa",
    "user.role",
    "user.reset_password",
    "token.create",
    "center.create",
    "center.mfa_roles",
    "center.update",
    "center.work",
    "audit.search",
    "audit.export",
];

/// The filter value of an action's family: `child.` for `child.view`; an action without a
/// family (`logout`) is its own.
fn family_of(action: &str) -> String {
    match action.split_once('.') {
        Some((family, _)) => format!("{family}."),
        None => action.to_string(),
    }
}

/// The action filter's choices: per family (in [`AUDIT_ACTIONS`] order) its "all actions"
/// value and label, then its single actions.
pub(crate) type ActionGroup = (String, String, Vec<(String, String)>);

fn action_groups(tr: Tr) -> Vec<ActionGroup> {
    let mut groups: Vec<ActionGroup> = Vec::new();
    for code in AUDIT_ACTIONS {
        let family = family_of(code);
        // An action without a family (`logout`) is offered once, as its own family.
        let singles = if family == *code {
            Vec::new()
        } else {
            vec![(code.to_string(), action_label(tr, code))]
        };
        match groups.iter_mut().find(|(f, _, _)| *f == family) {
            Some((_, _, actions)) => actions.extend(singles),
            None => {
                let label = action_label(tr, &family);
                groups.push((family, label, singles));
            }
        }
    }
    groups
}

impl Layout {
    /// Show the audit-log link (auditors only).
    pub fn audits(&self) -> bool {
        self.role == Some(Role::Auditor)
    }
}

/// Label of an action code (or prefix) in the page's language; the code itself when the
/// catalog has none (actions added later still show).
fn action_label(tr: Tr, code: &str) -> String {
    let label = tr.t(&format!("audit.action.{code}"));
    if label.is_empty() {
        code.to_string()
    } else {
        label.to_string()
    }
}

/// Label of an entity kind.
fn entity_label(tr: Tr, entity: &str) -> String {
    let label = tr.t(&format!("audit.entity.{entity}"));
    if label.is_empty() {
        entity.to_string()
    } else {
        label.to_string()
    }
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// The filter as a query string, without the page cursor.
fn filter_query(f: &AuditFilter) -> String {
    let pairs: Vec<(&str, &str)> = f
        .pairs()
        .into_iter()
        .filter(|(k, _)| *k != "before")
        .collect();
    query_string(&pairs)
}

fn join_query(base: &str, extra: &str) -> String {
    match (base.is_empty(), extra.is_empty()) {
        (true, _) => extra.to_string(),
        (false, true) => base.to_string(),
        (false, false) => format!("{base}&{extra}"),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditHtml {
    l: Layout,
    f: AuditFilter,
    page: Option<AuditPage>,
    errors: Vec<(String, String)>,
    users: Vec<(String, String)>,
    actions: Vec<ActionGroup>,
    /// An action typed into the URL that no choice offers (kept selected).
    other_action: String,
    entities: Vec<(String, String)>,
    next_link: String,
    export_cp932: String,
    export_utf8: String,
}

impl AuditHtml {
    fn error(&self, field: &str) -> &str {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .unwrap_or("")
    }
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| f == field)
    }
    fn when(&self, at: &str) -> String {
        jst_time(at)
    }
    fn action(&self, code: &str) -> String {
        action_label(self.l.tr, code)
    }
    fn entity(&self, kind: &str) -> String {
        entity_label(self.l.tr, kind)
    }
    fn capped(&self) -> bool {
        self.page.as_ref().is_some_and(|p| p.total_capped)
    }
    /// The count, or "more than 100,000" when counting stopped there.
    fn total(&self) -> String {
        match &self.page {
            Some(p) if p.total_capped => self.l.tr.t("audit.total_more").to_string(),
            Some(p) => p.total.to_string(),
            None => String::new(),
        }
    }
    /// Link to every entry about one record; empty for a kind the filter does not know (the
    /// id is then shown as plain text rather than as a link to an error).
    fn record_link(&self, entity: &str, id: &str) -> String {
        if !AUDIT_ENTITIES.contains(&entity) {
            return String::new();
        }
        format!(
            "/audit?{}",
            query_string(&[("entity", entity), ("entity_id", id)])
        )
    }
    /// Link to the views of one child ("この児童の閲覧者").
    fn viewers_link(&self, id: &str) -> String {
        format!(
            "/audit?{}",
            query_string(&[
                ("entity", "child"),
                ("entity_id", id),
                ("action", "child.view")
            ])
        )
    }
}

fn errors_of(e: &ValidationErrors, lang: Lang) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    for fe in e.iter() {
        if !v.iter().any(|(f, _)| *f == fe.field) {
            v.push((fe.field.clone(), fe.message(lang).to_string()));
        }
    }
    v
}

/// A query string that does not even parse (e.g. broken percent-encoding).
fn query_error() -> ValidationErrors {
    ValidationErrors(vec![messages::api::query_unreadable()])
}

async fn render_page(
    state: &AppState,
    a: &Authed,
    f: AuditFilter,
    page: Option<AuditPage>,
    errors: Vec<(String, String)>,
) -> Result<Response, WebError> {
    let tr = Tr(a.lang);
    let mut users: Vec<(String, String)> = state
        .store
        .center_users(&a.actor().center_id)
        .await?
        .into_iter()
        .map(|(id, name, role)| (id, format!("{name}（{}）", role.label(a.lang))))
        .collect();
    let user = f.user.trim();
    if !user.is_empty() && !users.iter().any(|(id, _)| id == user) {
        // A login (or an id no longer listed) typed into the URL stays selected.
        users.push((user.to_string(), user.to_string()));
    }
    let actions = action_groups(tr);
    let action = f.action.trim();
    let offered = actions
        .iter()
        .any(|(family, _, singles)| family == action || singles.iter().any(|(c, _)| c == action));
    let other_action = if offered {
        String::new()
    } else {
        action.to_string()
    };
    let entities = AUDIT_ENTITIES
        .iter()
        .map(|e| (e.to_string(), entity_label(tr, e)))
        .collect();
    let base = filter_query(&f);
    let next_link = page
        .as_ref()
        .and_then(|p| p.next.as_ref())
        .map(|n| {
            format!(
                "/audit?{}",
                join_query(&base, &query_string(&[("before", n)]))
            )
        })
        .unwrap_or_default();
    let export = |enc: CsvEncoding| {
        format!(
            "/audit/export.csv?{}",
            join_query(&base, &query_string(&[("encoding", enc.code())]))
        )
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let t = AuditHtml {
        l: Layout::for_user(a, "/audit"),
        export_cp932: export(CsvEncoding::Cp932),
        export_utf8: export(CsvEncoding::Utf8Bom),
        f,
        page,
        errors,
        users,
        actions,
        other_action,
        entities,
        next_link,
    };
    let body = t
        .render()
        .map_err(|e| WebError::Internal(format!("template: {e}")))?;
    Ok((status, Html(body)).into_response())
}

/// GET /audit — the audit log of the auditor's center, filtered, newest first, 100 a page.
/// Each search is itself audited (`audit.search`). Invalid filters re-render the form with
/// the errors (422) and search nothing.
pub async fn audit_page(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<AuditFilter>, QueryRejection>,
) -> Result<Response, WebError> {
    let f = match q {
        Ok(Query(f)) => f,
        Err(_) => {
            let errors = errors_of(&query_error(), a.lang);
            return render_page(&state, &a, AuditFilter::default(), None, errors).await;
        }
    };
    match state.store.audit_search(a.actor(), &f, a.now).await {
        Ok(page) => render_page(&state, &a, f, Some(page), Vec::new()).await,
        Err(StoreError::Validation(e)) => {
            let errors = errors_of(&e, a.lang);
            render_page(&state, &a, f, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The `encoding` parameter of the export.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EncodingQuery {
    encoding: String,
}

/// CSV header in the user's language.
fn csv_header(tr: Tr) -> Vec<String> {
    [
        "audit.seq",
        "audit.at_jst",
        "audit.login",
        "audit.name",
        "audit.action_code",
        "audit.action",
        "audit.entity",
        "audit.entity_id",
        "audit.detail",
    ]
    .iter()
    .map(|k| tr.t(k).to_string())
    .collect()
}

fn csv_cells(tr: Tr, r: &AuditListRow) -> Vec<String> {
    vec![
        r.seq.to_string(),
        jst_time(&r.at),
        r.actor_login.clone(),
        r.actor_name.clone().unwrap_or_default(),
        r.action.clone(),
        action_label(tr, &r.action),
        r.entity.clone(),
        r.entity_id.clone().unwrap_or_default(),
        r.detail.clone(),
    ]
}

/// GET /audit/export.csv — the rows matching the same filters as the page (newest first, at
/// most [`EXPORT_CAP`]) as a CSV download, `encoding=cp932` (default, for Excel) or `utf8`
/// (with BOM). Audited as `audit.export`. Bad filters, an unknown encoding or a character
/// CP932 cannot hold re-render the page with the error (422); nothing is exported.
pub async fn audit_export(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<AuditFilter>, QueryRejection>,
    e: Result<Query<EncodingQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let (f, enc) = match (q, e) {
        (Ok(Query(f)), Ok(Query(e))) => (f, e.encoding),
        _ => {
            let errors = errors_of(&query_error(), a.lang);
            return render_page(&state, &a, AuditFilter::default(), None, errors).await;
        }
    };
    let encoding = if enc.trim().is_empty() {
        Some(CsvEncoding::Cp932)
    } else {
        CsvEncoding::parse(&enc)
    };
    let Some(encoding) = encoding else {
        let errors = vec![(
            "encoding".to_string(),
            a.lang
                .pick(
                    "文字コードは cp932 または utf8 を指定してください",
                    "The encoding must be cp932 or utf8.",
                )
                .to_string(),
        )];
        return render_page(&state, &a, f, None, errors).await;
    };
    let tr = Tr(a.lang);
    let now = a.now;
    let csv = match state
        .store
        .audit_export_csv(
            a.actor(),
            &f,
            AuditCsvLayout {
                encoding,
                cap: EXPORT_CAP,
                header: &csv_header(tr),
                cells: |r: &AuditListRow| csv_cells(tr, r),
            },
            now,
        )
        .await
    {
        Ok(csv) => csv,
        Err(StoreError::Validation(e)) => {
            let errors = errors_of(&e, a.lang);
            return render_page(&state, &a, f, None, errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    let filename = format!("audit-log-{}.csv", a.today().format("%Y%m%d"));
    let mut res = csv.bytes.into_response();
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
    headers.insert("x-export-rows", value(csv.rows.to_string())?);
    headers.insert("x-export-capped", value(csv.capped.to_string())?);
    Ok(res)
}

/// GET /api/v1/audit — the same search as JSON: `{ items, next, total }`; pass `next` back
/// as `before` for the next page. Audited as `audit.search`.
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "searchAudit",
    summary = "Audit log of the caller's center, newest first, 100 a page (auditors only; the search is itself audited)",
    params(store::audit::AuditFilter), responses((status = 200, description = "A page of audit entries", body = store::audit::AuditPage)))]
pub async fn api_audit(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<AuditFilter>, QueryRejection>,
) -> Result<Response, WebError> {
    let f = match q {
        Ok(Query(f)) => f,
        Err(_) => {
            return Err(WebError::Invalid {
                errors: query_error(),
                lang: a.lang,
            })
        }
    };
    let page = state.store.audit_search(a.actor(), &f, a.now).await?;
    Ok(Json(page).into_response())
}

//! The page kit every feature renders with: the shared layout, inline form errors, template
//! rendering, choice lists, CSV downloads, cookies and the static assets. It imports no feature
//! module, so any feature can use it without an import circle.

mod assets;
mod cookies;
mod csv;
pub mod error_page;
mod forms;
mod json;
mod options;
mod time;

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::{Lang, Role, ValidationErrors};
use store::centers::UserContext;

use crate::auth::{Authed, Identity};
use crate::error::WebError;
use crate::i18n::Tr;

pub use assets::{healthz, not_found, static_file};
pub use cookies::NextQuery;
pub(crate) use cookies::{cookie, pre_token, removal, safe_next};
pub(crate) use csv::{csv_download, csv_encoding};
pub(crate) use forms::{indexed_rows, query_string};
pub(crate) use json::{from_object, invalid, json_body, json_object, query};
pub(crate) use options::{center_municipalities, choices, municipality_options, place_name};
pub(crate) use time::jst_time;

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
            .is_some_and(|r| crate::access::READERS.contains(&r))
    }
    /// Show the intake link.
    pub fn writes(&self) -> bool {
        self.role
            .is_some_and(|r| crate::access::WRITERS.contains(&r))
    }
    /// Show the "request a coordinator" links (派遣依頼).
    pub fn requests_dispatch(&self) -> bool {
        self.runs_dispatch()
            && self
                .role
                .is_some_and(|r| crate::access::REQUESTERS.contains(&r))
    }
    /// Municipal user (sees outages of their area).
    pub fn municipal(&self) -> bool {
        self.role == Some(Role::Municipal)
    }
    /// Show the payment statements link (advisors and admins).
    pub fn leads(&self) -> bool {
        self.role.is_some_and(|r| crate::access::LEADS.contains(&r))
    }
    /// Show the account administration link.
    pub fn admin(&self) -> bool {
        self.role == Some(Role::Admin)
    }
    /// Show the reports link.
    pub fn reports(&self) -> bool {
        self.role
            .is_some_and(|r| crate::access::REPORTERS.contains(&r))
    }
}

/// Field errors keyed by field name, in the page's language.
#[derive(Default)]
pub struct FormErrors(pub(crate) HashMap<String, String>);

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

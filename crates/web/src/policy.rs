//! The route table. Every route is declared here with its access policy, and the router is
//! built from this table — a route cannot exist without a policy. The policy layer checks the
//! role (deny by default) and the CSRF token before any handler runs; record scope (own center,
//! assigned children) is then enforced by the store.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put, MethodRouter};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use domain::Role;

use crate::auth::{Identity, ReqLang, PRE_COOKIE};
use crate::error::WebError;
use crate::{
    account, admin, api, auditor, children, consent, consultations, disaster, dispatch, home,
    intake, login, openapi, organizations, payments, plans, plans_api, reports, ui, AppState,
};

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Anyone, logged in or not (login page, static files, health check, OpenAPI document).
    Public,
    /// Any logged-in user.
    Authenticated,
    /// Logged-in users holding one of these roles.
    Roles(&'static [Role]),
}

impl Policy {
    /// Does this policy admit a caller with `role` (`None` = anonymous)?
    pub fn admits(self, role: Option<Role>) -> bool {
        match (self, role) {
            (Policy::Public, _) => true,
            (_, None) => false,
            (Policy::Authenticated, Some(_)) => true,
            (Policy::Roles(roles), Some(r)) => roles.contains(&r),
        }
    }
}

// The role lists live in `crate::access` (the pages check them too); the table names them here.
pub use crate::access::{
    Work, ADMINS, AUDITORS, CHECKERS, COORDINATORS, DISPATCH_ACTORS, INCIDENT_READERS, LEADS,
    READERS, REPORTERS, REQUESTERS, STAFF, WRITERS,
};

/// Which center work a route belongs to, from its path pattern.
pub fn work_of(path: &str) -> Option<Work> {
    const DISPATCH: &[&str] = &[
        "/coordinators",
        "/dispatch",
        "/dispatches/",
        "/activities/",
        "/api/v1/coordinators",
        "/api/v1/dispatch-requests",
        "/api/v1/dispatches/",
        "/api/v1/dispatch-batch",
        "/api/v1/reports/dispatch",
    ];
    const PAYMENTS: &[&str] = &["/payments", "/api/v1/payments"];
    let under = |prefix: &&str| {
        path == *prefix
            || path
                .strip_prefix(*prefix)
                .is_some_and(|rest| prefix.ends_with('/') || rest.starts_with('/'))
    };
    if DISPATCH.iter().any(under) {
        Some(Work::Dispatch)
    } else if PAYMENTS.iter().any(under) {
        Some(Work::Payments)
    } else {
        None
    }
}

/// Routes a user holding a temporary password may still use: the page where they change it
/// (and logging out). Public routes are always open.
const WHILE_PASSWORD_MUST_CHANGE: &[&str] = &["/account", "/account/password", "/logout"];

/// One declared route.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: Method,
    /// axum path pattern.
    pub path: &'static str,
    /// Access policy.
    pub policy: Policy,
}

macro_rules! routes {
    ($( $m:ident $path:literal $policy:expr => $handler:expr ;)*) => {
        /// Every route of the application with its policy.
        pub fn specs() -> Vec<RouteSpec> {
            vec![$( RouteSpec { method: Method::$m, path: $path, policy: $policy } ),*]
        }
        fn handlers() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
            vec![$( (
                RouteSpec { method: Method::$m, path: $path, policy: $policy },
                routes!(@method $m, $handler),
            ) ),*]
        }
    };
    (@method GET, $h:expr) => { get($h) };
    (@method POST, $h:expr) => { post($h) };
    (@method PATCH, $h:expr) => { patch($h) };
    (@method PUT, $h:expr) => { put($h) };
}

use Policy::{Authenticated, Public, Roles};

routes! {
    GET "/healthz" Public => ui::healthz;
    GET "/static/{file}" Public => ui::static_file;
    GET "/login" Public => login::login_page;
    POST "/login" Public => login::login_submit;
    POST "/logout" Authenticated => login::logout;
    GET "/login/code" Public => account::code_page;
    POST "/login/code" Public => account::code_submit;
    GET "/account" Authenticated => account::account;
    POST "/account/password" Authenticated => account::change_password;
    POST "/account/mfa" Authenticated => account::confirm_mfa;
    POST "/account/recovery-codes" Authenticated => account::regenerate_codes;
    GET "/admin/users" Roles(ADMINS) => account::admin_users;
    GET "/admin/users/new" Roles(ADMINS) => admin::user_new;
    POST "/admin/users" Roles(ADMINS) => admin::user_create;
    POST "/admin/users/{id}/role" Roles(ADMINS) => admin::user_role;
    POST "/admin/users/{id}/reset-password" Roles(ADMINS) => admin::user_reset_password;
    GET "/admin/center" Roles(ADMINS) => admin::center;
    POST "/admin/center" Roles(ADMINS) => admin::center_save;
    POST "/admin/users/{id}/{action}" Roles(ADMINS) => account::admin_user_action;
    POST "/admin/mfa-roles" Roles(ADMINS) => account::admin_mfa_roles;
    GET "/lang/{lang}" Public => login::set_lang;
    GET "/" Authenticated => home::home;
    GET "/children" Roles(READERS) => children::children_list;
    GET "/children/new" Roles(WRITERS) => children::child_new;
    POST "/children" Roles(WRITERS) => children::child_create;
    GET "/children/{id}" Roles(READERS) => children::child_show;
    GET "/children/{id}/edit" Roles(WRITERS) => children::child_edit;
    POST "/children/{id}" Roles(WRITERS) => children::child_update;
    POST "/children/{id}/break-glass" Roles(READERS) => children::break_glass_submit;
    GET "/children/{id}/consents" Roles(READERS) => consent::page;
    POST "/children/{id}/consents" Roles(WRITERS) => consent::create;
    POST "/children/{id}/consents/{consent_id}/withdraw" Roles(WRITERS) => consent::withdraw;
    POST "/children/{id}/referrals" Roles(WRITERS) => consent::refer;
    GET "/intake" Roles(WRITERS) => intake::intake_page;
    GET "/intake/child-search" Roles(WRITERS) => intake::intake_child_search;
    GET "/intake/person-match" Roles(WRITERS) => intake::intake_person_match;
    POST "/intake" Roles(WRITERS) => intake::intake_submit;
    GET "/consultations" Roles(READERS) => consultations::consultations_list;
    POST "/consultations/{id}/followup-done" Roles(WRITERS) => consultations::followup_done;
    GET "/consultations/{id}" Roles(READERS) => consultations::show;
    GET "/consultations/{id}/edit" Roles(WRITERS) => consultations::edit;
    POST "/consultations/{id}" Roles(WRITERS) => consultations::update;
    POST "/consultations/{id}/course" Roles(WRITERS) => consultations::course_add;
    GET "/organizations" Roles(READERS) => organizations::organizations_list;
    POST "/organizations" Roles(WRITERS) => organizations::organization_create;
    GET "/reports" Roles(REPORTERS) => reports::page;
    GET "/reports.csv" Roles(REPORTERS) => reports::csv;
    GET "/coordinators" Roles(STAFF) => dispatch::roster::roster;
    GET "/coordinators/new" Roles(LEADS) => dispatch::roster::coordinator_new;
    POST "/coordinators" Roles(LEADS) => dispatch::roster::coordinator_create;
    POST "/coordinators/weights" Roles(LEADS) => dispatch::roster::weights_update;
    GET "/coordinators/{id}/edit" Roles(LEADS) => dispatch::roster::coordinator_edit;
    POST "/coordinators/{id}" Roles(LEADS) => dispatch::roster::coordinator_update;
    GET "/dispatch" Roles(READERS) => dispatch::requests::dispatch_list;
    GET "/dispatch/new" Roles(REQUESTERS) => dispatch::requests::dispatch_new;
    GET "/dispatch/child-search" Roles(REQUESTERS) => dispatch::requests::child_search;
    POST "/dispatch" Roles(REQUESTERS) => dispatch::requests::dispatch_create;
    GET "/dispatch/figures" Roles(STAFF) => dispatch::figures::figures;
    GET "/dispatch/batch" Roles(LEADS) => dispatch::batch::batch;
    POST "/dispatch/batch" Roles(LEADS) => dispatch::batch::batch_confirm;
    GET "/dispatch/{id}" Roles(READERS) => dispatch::show::dispatch_show;
    POST "/dispatch/{id}/propose" Roles(LEADS) => dispatch::show::propose;
    POST "/dispatch/{id}/cancel" Roles(LEADS) => dispatch::show::request_cancel;
    POST "/dispatch/{id}/advice" Roles(DISPATCH_ACTORS) => dispatch::show::advice;
    POST "/dispatches/{id}/action" Roles(DISPATCH_ACTORS) => dispatch::show::dispatch_action;
    POST "/dispatches/{id}/activities" Roles(DISPATCH_ACTORS) => dispatch::show::activity_create;
    POST "/activities/{id}/void" Roles(DISPATCH_ACTORS) => dispatch::show::activity_void;
    GET "/payments" Roles(LEADS) => payments::month;
    POST "/payments/rates" Roles(ADMINS) => payments::rates_update;
    GET "/payments/{id}" Roles(LEADS) => payments::statement;
    POST "/payments/{id}/approve" Roles(LEADS) => payments::approve;
    GET "/payments/{id}/statement.csv" Roles(LEADS) => payments::statement_csv;
    GET "/children/{id}/services" Roles(READERS) => payments::periods;
    POST "/children/{id}/services" Roles(WRITERS) => payments::period_create;
    GET "/children/{id}/power" Roles(READERS) => disaster::power::power;
    POST "/children/{id}/power" Roles(WRITERS) => disaster::power::power_save;
    POST "/children/{id}/power-units" Roles(WRITERS) => disaster::power::unit_create;
    POST "/children/{id}/power-units/{unit_id}/return" Roles(WRITERS) => disaster::power::unit_return;
    GET "/children/{id}/plan" Roles(READERS) => plans::plan;
    POST "/children/{id}/plan" Roles(WRITERS) => plans::plan_save;
    GET "/children/{id}/plan/diff" Roles(READERS) => plans::plan_diff;
    POST "/children/{id}/drills" Roles(WRITERS) => plans::drill_create;
    GET "/children/{id}/sheet" Roles(READERS) => plans::sheet;
    GET "/sheets" Roles(READERS) => plans::sheets;
    GET "/sheets.csv" Roles(READERS) => plans::sheets_csv_download;
    GET "/incidents" Roles(INCIDENT_READERS) => disaster::incidents::incidents;
    POST "/incidents" Roles(REQUESTERS) => disaster::incidents::incident_open;
    GET "/incidents/{id}" Roles(INCIDENT_READERS) => disaster::incidents::incident;
    GET "/incidents/{id}/rows" Roles(INCIDENT_READERS) => disaster::incidents::incident_rows;
    POST "/incidents/{id}/checkins" Roles(CHECKERS) => disaster::incidents::checkin;
    POST "/incidents/{id}/close" Roles(LEADS) => disaster::incidents::incident_close;
    GET "/notifications" Authenticated => dispatch::notifications::notifications;
    POST "/notifications/read" Authenticated => dispatch::notifications::notifications_read;
    GET "/audit" Roles(AUDITORS) => auditor::audit_page;
    GET "/audit/export.csv" Roles(AUDITORS) => auditor::audit_export;
    GET "/api/v1/openapi.json" Public => openapi::openapi;
    GET "/api/v1/children" Roles(READERS) => api::list_children;
    POST "/api/v1/children" Roles(WRITERS) => api::create_child;
    GET "/api/v1/children/{id}" Roles(READERS) => api::get_child;
    PATCH "/api/v1/children/{id}" Roles(WRITERS) => api::patch_child;
    GET "/api/v1/consultations" Roles(READERS) => api::list_consultations;
    POST "/api/v1/consultations" Roles(WRITERS) => api::create_consultation;
    GET "/api/v1/consultations/{id}" Roles(READERS) => api::get_consultation;
    PATCH "/api/v1/consultations/{id}" Roles(WRITERS) => api::patch_consultation;
    POST "/api/v1/consultations/{id}/course" Roles(WRITERS) => consultations::api_course_add;
    GET "/api/v1/reports/consultations" Roles(REPORTERS) => api::consultation_report;
    GET "/api/v1/organizations" Roles(READERS) => api::list_organizations;
    POST "/api/v1/organizations" Roles(WRITERS) => api::create_organization;
    GET "/api/v1/audit" Roles(AUDITORS) => auditor::api_audit;
    POST "/api/v1/children/{id}/break-glass" Roles(READERS) => api::break_glass;
    GET "/api/v1/children/{id}/consents" Roles(READERS) => consent::api_list;
    POST "/api/v1/children/{id}/consents" Roles(WRITERS) => consent::api_create;
    POST "/api/v1/children/{id}/referrals" Roles(WRITERS) => consent::api_refer;
    GET "/api/v1/break-glass" Roles(LEADS) => api::recent_break_glass;
    GET "/api/v1/users" Roles(ADMINS) => account::api_users;
    GET "/api/v1/coordinators" Roles(STAFF) => dispatch::api::api_roster;
    POST "/api/v1/coordinators" Roles(LEADS) => dispatch::api::api_coordinator_create;
    PUT "/api/v1/coordinators/{id}" Roles(LEADS) => dispatch::api::api_coordinator_update;
    GET "/api/v1/dispatch-requests" Roles(STAFF) => dispatch::api::api_requests;
    POST "/api/v1/dispatch-requests" Roles(REQUESTERS) => dispatch::api::api_request_create;
    GET "/api/v1/dispatch-requests/{id}" Roles(READERS) => dispatch::api::api_request;
    GET "/api/v1/dispatch-requests/{id}/recommendation" Roles(LEADS) => dispatch::api::api_recommendation;
    POST "/api/v1/dispatch-requests/{id}/proposals" Roles(LEADS) => dispatch::api::api_propose;
    POST "/api/v1/dispatch-requests/{id}/advice" Roles(DISPATCH_ACTORS) => dispatch::api::api_advice;
    POST "/api/v1/dispatches/{id}/actions" Roles(DISPATCH_ACTORS) => dispatch::api::api_action;
    POST "/api/v1/dispatches/{id}/activities" Roles(DISPATCH_ACTORS) => dispatch::api::api_activity;
    GET "/api/v1/notifications" Authenticated => dispatch::api::api_notifications;
    GET "/api/v1/dispatch-inbox" Roles(COORDINATORS) => dispatch::api::api_inbox;
    GET "/api/v1/dispatch-pending" Roles(LEADS) => dispatch::api::api_pending;
    GET "/api/v1/reports/dispatch" Roles(STAFF) => dispatch::api::api_figures;
    GET "/api/v1/dispatch-batch" Roles(LEADS) => dispatch::batch::api_batch;
    POST "/api/v1/dispatch-batch" Roles(LEADS) => dispatch::batch::api_batch_confirm;
    GET "/api/v1/children/{id}/power" Roles(READERS) => disaster::api::api_power;
    PUT "/api/v1/children/{id}/power" Roles(WRITERS) => disaster::api::api_power_save;
    POST "/api/v1/children/{id}/power-units" Roles(WRITERS) => disaster::api::api_unit;
    POST "/api/v1/children/{id}/power-units/{unit_id}/return" Roles(WRITERS) => disaster::api::api_unit_return;
    GET "/api/v1/children/{id}/plan" Roles(READERS) => plans_api::api_plan;
    POST "/api/v1/children/{id}/plan" Roles(WRITERS) => plans_api::api_plan_save;
    GET "/api/v1/children/{id}/plan/diff" Roles(READERS) => plans_api::api_plan_diff;
    POST "/api/v1/children/{id}/drills" Roles(WRITERS) => plans_api::api_drill;
    GET "/api/v1/emergency-sheets" Roles(READERS) => plans_api::api_sheets;
    GET "/api/v1/incidents" Roles(INCIDENT_READERS) => disaster::api::api_incidents;
    POST "/api/v1/incidents" Roles(REQUESTERS) => disaster::api::api_incident_open;
    GET "/api/v1/incidents/{id}/triage" Roles(INCIDENT_READERS) => disaster::api::api_triage;
    POST "/api/v1/incidents/{id}/checkins" Roles(CHECKERS) => disaster::api::api_checkin;
    POST "/api/v1/incidents/{id}/close" Roles(LEADS) => disaster::api::api_close;
    GET "/api/v1/payments" Roles(LEADS) => payments::api_month;
    GET "/api/v1/payments/rates" Roles(LEADS) => payments::api_rates;
    PUT "/api/v1/payments/rates" Roles(ADMINS) => payments::api_set_rates;
    GET "/api/v1/payments/statements/{id}" Roles(LEADS) => payments::api_statement;
    POST "/api/v1/payments/statements/{id}/approve" Roles(LEADS) => payments::api_approve;
    GET "/api/v1/children/{id}/service-periods" Roles(READERS) => payments::api_periods;
    POST "/api/v1/children/{id}/service-periods" Roles(WRITERS) => payments::api_add_period;
    POST "/api/v1/users/{id}/actions" Roles(ADMINS) => account::api_user_action;
    POST "/api/v1/users" Roles(ADMINS) => admin::api_user_create;
    PUT "/api/v1/users/{id}/role" Roles(ADMINS) => admin::api_user_role;
    POST "/api/v1/users/{id}/password-reset" Roles(ADMINS) => admin::api_user_reset_password;
    GET "/api/v1/center" Roles(ADMINS) => admin::api_center;
    PUT "/api/v1/center" Roles(ADMINS) => admin::api_center_save;
}

/// Build the router from the table, wrapping every route in its policy check.
pub fn router(_state: AppState) -> Router<AppState> {
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for (spec, handler) in handlers() {
        let guard = Guard {
            policy: spec.policy,
            work: work_of(spec.path),
            while_must_change: WHILE_PASSWORD_MUST_CHANGE.contains(&spec.path),
        };
        let guarded = handler.layer(axum::middleware::from_fn_with_state(guard, enforce));
        match by_path.iter_mut().find(|(p, _)| *p == spec.path) {
            Some((_, existing)) => {
                let merged = std::mem::take(existing).merge(guarded);
                *existing = merged;
            }
            None => by_path.push((spec.path, guarded)),
        }
    }
    let mut router = Router::new();
    for (path, mr) in by_path {
        router = router.route(path, mr);
    }
    router.fallback(ui::not_found)
}

fn is_state_changing(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Largest form body the CSRF check will buffer (forms are small; uploads come later).
const MAX_FORM: usize = 256 * 1024;

/// What the policy layer of one route checks.
#[derive(Clone, Copy, Debug)]
struct Guard {
    policy: Policy,
    /// The center work the route belongs to, if only some centers run it.
    work: Option<Work>,
    /// Open to a user who must first change a temporary password.
    while_must_change: bool,
}

/// Role check, temporary-password and center-work checks, then CSRF check for state-changing
/// requests.
async fn enforce(State(guard): State<Guard>, req: Request, next: Next) -> Response {
    let policy = guard.policy;
    let lang = req
        .extensions()
        .get::<ReqLang>()
        .map(|l| l.0)
        .unwrap_or_default();
    let api = req.uri().path().starts_with("/api/");
    let identity = req.extensions().get::<Identity>().cloned();
    if !policy.admits(identity.as_ref().map(|i| i.actor.role)) {
        return match identity {
            None => WebError::Unauthenticated { api }.into_response(),
            Some(_) => WebError::Forbidden { api, lang }.into_response(),
        };
    }
    if let (Some(id), false) = (&identity, policy == Policy::Public) {
        if id.context.must_change_password && !guard.while_must_change {
            return WebError::PasswordChangeRequired { api, lang }.into_response();
        }
        let runs = match guard.work {
            None => true,
            Some(Work::Dispatch) => id.context.runs_dispatch,
            Some(Work::Payments) => id.context.runs_payments,
        };
        if let (Some(work), false) = (guard.work, runs) {
            return WebError::WorkNotRun { api, lang, work }.into_response();
        }
    }
    if !is_state_changing(req.method()) {
        return next.run(req).await;
    }
    // Bearer-token callers send no cookies, so they cannot be driven cross-site.
    let expected = match (&identity, policy) {
        (Some(Identity { csrf: None, .. }), _) => return next.run(req).await,
        (Some(Identity { csrf: Some(t), .. }), _) => t.clone(),
        (None, _) => match CookieJar::from_headers(req.headers()).get(PRE_COOKIE) {
            Some(c) => c.value().to_string(),
            None => return WebError::Csrf { api, lang }.into_response(),
        },
    };
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request too large").into_response(),
    };
    let form_token = form_field(&bytes, "_csrf");
    let presented = header_token.or(form_token);
    if !presented.is_some_and(|t| constant_time_eq(t.as_bytes(), expected.as_bytes())) {
        return WebError::Csrf { api, lang }.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

//! Notifications: the reader's list and marking it read.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::dispatch::Urgency;
use domain::Lang;
use serde::Serialize;
use store::dispatch::Notification;

use crate::auth::Authed;
use crate::ui::{page_status, Layout, PageResult};
use crate::AppState;

/// A notification as its reader sees it: what happened, to which child, how urgent.
#[derive(utoipa::ToSchema, Serialize)]
#[schema(as = NotificationView)]
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

pub(super) fn notice_views(items: Vec<Notification>, lang: Lang) -> Vec<NoticeView> {
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
        crate::ui::jst_time(utc)
    }
}

/// GET /notifications
pub async fn notifications(State(state): State<AppState>, a: Authed) -> PageResult {
    let (items, unread) = state.store.notifications(a.actor(), a.now).await?;
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
        .mark_notifications_read(a.actor(), a.now)
        .await?;
    Ok(Redirect::to("/notifications").into_response())
}

//! Messages for coordinator dispatch (コーディネーター派遣): requests, proposals, the roster,
//! the dispatch workflow and recorded activities.

use std::fmt::Display;

use super::Label;
use crate::dispatch::{DispatchAction, DispatchStatus, Exclusion, Side};
use crate::{FieldError, Lang};

fn reason_too_short(field: &str, what_ja: &str, what_en: &str, min_chars: usize) -> FieldError {
    FieldError::new(
        field,
        "reason_too_short",
        format!("{what_ja}の理由を{min_chars}文字以上で具体的に書いてください"),
        format!("Give a specific reason of at least {min_chars} characters for {what_en}."),
    )
}

/// …の理由を N 文字以上で具体的に書いてください: a workflow `action` (decline, cancel) whose
/// reason is shorter than `min_chars`.
pub fn action_reason_too_short(
    field: &str,
    action: DispatchAction,
    min_chars: usize,
) -> FieldError {
    reason_too_short(field, action.label(Lang::Ja), action.code(), min_chars)
}

/// 取り消しの理由を N 文字以上で…: voiding an activity with too short a reason.
pub fn void_reason_too_short(field: &str, min_chars: usize) -> FieldError {
    reason_too_short(field, "取り消し", "voiding", min_chars)
}

/// 中止の理由を N 文字以上で…: cancelling a request with too short a reason.
pub fn cancel_reason_too_short(field: &str, min_chars: usize) -> FieldError {
    reason_too_short(field, "中止", "cancelling", min_chars)
}

/// 操作を選んでください: an unknown workflow action (field `action`).
pub fn choose_action() -> FieldError {
    FieldError::new(
        "action",
        "unknown_code",
        "操作を選んでください",
        "Choose an action.",
    )
}

/// この依頼は既に完了または中止しています: cancelling a closed request (field `request`).
pub fn request_already_closed() -> FieldError {
    FieldError::new(
        "request",
        "closed",
        "この依頼は既に完了または中止しています",
        "This request is already completed or cancelled.",
    )
}

/// 完了または中止した依頼には派遣できません: proposing on a closed request (field `request`).
pub fn request_closed_for_proposals() -> FieldError {
    FieldError::new(
        "request",
        "closed",
        "完了または中止した依頼には派遣できません",
        "This request is completed or cancelled.",
    )
}

/// 派遣するコーディネーターを1人（両方必要な依頼は2人まで）選んでください
/// (field `coordinator_ids`).
pub fn coordinators_required() -> FieldError {
    FieldError::new(
        "coordinator_ids",
        "required",
        "派遣するコーディネーターを1人（両方必要な依頼は2人まで）選んでください",
        "Choose one coordinator (two at most for a request needing both sides).",
    )
}

/// この依頼には既にコーディネーターが決まっています (field `coordinator_ids`).
pub fn already_proposed() -> FieldError {
    FieldError::new(
        "coordinator_ids",
        "already_proposed",
        "この依頼には既にコーディネーターが決まっています（打診中を含む）。変更するには先に取り下げてください",
        "This request already has its coordinator(s), including pending offers; withdraw one first.",
    )
}

/// あと N 人まで選べます: more people chosen than the `room` left on the request
/// (field `coordinator_ids`).
pub fn too_many_coordinators(room: usize) -> FieldError {
    FieldError::new(
        "coordinator_ids",
        "too_many",
        format!("あと{room}人まで選べます"),
        format!("You can choose {room} more at most."),
    )
}

/// このコーディネーターは既にこの依頼を担当しています (field `coordinator_ids`).
pub fn already_on_request() -> FieldError {
    FieldError::new(
        "coordinator_ids",
        "already_on_request",
        "このコーディネーターは既にこの依頼を担当しています",
        "This coordinator is already on this request.",
    )
}

/// 名簿にないコーディネーターです.
pub fn unknown_coordinator(field: &str) -> FieldError {
    FieldError::new(
        field,
        "unknown_coordinator",
        "名簿にないコーディネーターです",
        "No such coordinator on the roster.",
    )
}

/// 選んだ人の職種では必要な側（…）を担当できません: the chosen people cannot cover the
/// `needed` sides (field `coordinator_ids`).
pub fn missing_side(needed: &[Side]) -> FieldError {
    let ja: Vec<&str> = needed.iter().map(|s| s.label(Lang::Ja)).collect();
    let en: Vec<&str> = needed.iter().map(|s| s.label(Lang::En)).collect();
    FieldError::new(
        "coordinator_ids",
        "missing_side",
        format!(
            "選んだ人の職種では必要な側（{}）を担当できません",
            ja.join("・")
        ),
        format!(
            "The chosen people's professions do not cover the side needed ({}).",
            en.join(", ")
        ),
    )
}

/// …さんには派遣できません: `name` is excluded by a rule that cannot be overridden.
pub fn hard_rule(field: &str, name: &str, rule: &Exclusion) -> FieldError {
    FieldError::new(
        field,
        "hard_rule",
        format!("{name}さんには派遣できません: {}", rule.message(Lang::Ja)),
        format!("{name} cannot be dispatched: {}", rule.message(Lang::En)),
    )
}

/// 派遣の条件を満たしていません（…）: overridable rules are not met (`overrides`, already
/// phrased) and the override reason is shorter than `min_chars` (field `override_reason`).
pub fn override_needed(overrides: &[String], min_chars: usize) -> FieldError {
    FieldError::new(
        "override_reason",
        "override_needed",
        format!(
            "派遣の条件を満たしていません（{}）。それでも派遣する場合は理由を{min_chars}文字以上で書いてください",
            overrides.join("、")
        ),
        format!(
            "A dispatch rule is not met ({}). To dispatch anyway, give a reason of at least {min_chars} characters.",
            overrides.join("; ")
        ),
    )
}

/// この依頼は既に打診済みか、見つかりません: a batch line for a request that is not open.
pub fn request_not_open(field: &str) -> FieldError {
    FieldError::new(
        field,
        "not_open",
        "この依頼は既に打診済みか、見つかりません",
        "This request is no longer open or was not found.",
    )
}

/// 必要な職種の人を選んでください: a batch line whose people do not match the sides needed.
pub fn sides_mismatch(field: &str) -> FieldError {
    FieldError::new(
        field,
        "sides",
        "必要な職種の人を選んでください（両方必要な依頼は医療と福祉の2人）",
        "Choose the side(s) the request needs (two people for both).",
    )
}

/// 医療と福祉には別の人を選んでください: one person chosen for both sides.
pub fn same_person_twice(field: &str) -> FieldError {
    FieldError::new(
        field,
        "same_person",
        "医療と福祉には別の人を選んでください",
        "Choose two different people.",
    )
}

/// …さんに N 件割り当てていますが、空きは M 件です: a batch giving `name` `given` requests
/// with room for `room` (field `batch`).
pub fn over_capacity(name: &str, given: u32, room: u32) -> FieldError {
    FieldError::new(
        "batch",
        "capacity",
        format!("{name}さんに{given}件割り当てていますが、空きは{room}件です"),
        format!("{name} is given {given} requests but has room for {room}."),
    )
}

/// このセンターに「…」という利用者はいません: a roster entry naming an unknown `login`
/// (field `login`).
pub fn unknown_user(login: &str) -> FieldError {
    FieldError::new(
        "login",
        "unknown_user",
        format!("このセンターに「{login}」という利用者はいません"),
        format!("This center has no user \"{login}\"."),
    )
}

/// この利用者は既に名簿に登録されています (field `login`).
pub fn already_on_roster() -> FieldError {
    FieldError::new(
        "login",
        "already_on_roster",
        "この利用者は既に名簿に登録されています",
        "This user is already on the roster.",
    )
}

/// 「…」の派遣には活動を記録できません: an activity on a dispatch in `status`, which is not
/// accepted or active (field `dispatch`).
pub fn dispatch_not_active(status: DispatchStatus) -> FieldError {
    FieldError::new(
        "dispatch",
        "not_active",
        format!(
            "「{}」の派遣には活動を記録できません（受諾後に記録します）",
            status.label(Lang::Ja)
        ),
        format!(
            "Activities can only be recorded on an accepted or active dispatch (this one is {}).",
            status.label(Lang::En).to_lowercase()
        ),
    )
}

/// この活動は既に取り消されています (field `activity`).
pub fn activity_already_voided() -> FieldError {
    FieldError::new(
        "activity",
        "already_voided",
        "この活動は既に取り消されています",
        "This activity is already voided.",
    )
}

/// 内容を入力してください: an advice message without text (field `text`).
pub fn advice_text_required() -> FieldError {
    FieldError::new(
        "text",
        "required",
        "内容を入力してください",
        "Enter the text.",
    )
}

/// 活動の種類（訪問・電話・会議）を選んでください (field `kind`).
pub fn activity_kind_required() -> FieldError {
    FieldError::new(
        "kind",
        "required",
        "活動の種類（訪問・電話・会議）を選んでください",
        "Choose the kind of activity (visit, call, meeting).",
    )
}

/// 未来の日付の活動は記録できません (field `on_date`).
pub fn activity_in_future() -> FieldError {
    FieldError::new(
        "on_date",
        "future_date",
        "未来の日付の活動は記録できません",
        "An activity cannot be dated in the future.",
    )
}

/// 派遣の打診日（…）より前の日付は記録できません: an activity dated before the dispatch was
/// proposed on `since` (field `on_date`).
pub fn activity_before_dispatch(since: impl Display) -> FieldError {
    FieldError::new(
        "on_date",
        "before_dispatch",
        format!("派遣の打診日（{since}）より前の日付は記録できません"),
        format!("The date is before the dispatch was proposed ({since})."),
    )
}

/// 分数: minutes of an activity or of travel.
pub const MINUTES: Label = Label {
    ja: "分数",
    en: "Minutes",
};

/// One output of every function above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    vec![
        action_reason_too_short("reason", DispatchAction::Decline, 10),
        void_reason_too_short("reason", 10),
        cancel_reason_too_short("reason", 10),
        choose_action(),
        request_already_closed(),
        request_closed_for_proposals(),
        coordinators_required(),
        already_proposed(),
        too_many_coordinators(1),
        already_on_request(),
        unknown_coordinator("coordinator_ids"),
        missing_side(&[Side::Medical, Side::Welfare]),
        hard_rule("coordinator_ids", "高知 花子", &Exclusion::Inactive),
        override_needed(&["高知 花子: 担当地域外です".to_string()], 10),
        request_not_open("picks[0]"),
        sides_mismatch("picks[0]"),
        same_person_twice("picks[0]"),
        over_capacity("高知 花子", 3, 1),
        unknown_user("hanako"),
        already_on_roster(),
        dispatch_not_active(DispatchStatus::Proposed),
        activity_already_voided(),
        advice_text_required(),
        activity_kind_required(),
        activity_in_future(),
        activity_before_dispatch("2026-04-01"),
    ]
}

/// Every label above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn labels() -> Vec<Label> {
    vec![MINUTES]
}

//! Messages for disaster preparedness: individual plans and drills, power supplies, and
//! power-cut incidents with their check-ins (停電時の安否確認).

use super::Label;
use crate::FieldError;

/// この児童の訓練記録が見つかりません (field `drill_id`).
pub fn drill_not_found() -> FieldError {
    FieldError::new(
        "drill_id",
        "not_found",
        "この児童の訓練記録が見つかりません",
        "No such drill for this child.",
    )
}

/// 比べる版を2つ指定してください: a plan comparison without two version numbers (field `a`).
pub fn two_versions_needed() -> FieldError {
    FieldError::new(
        "a",
        "required",
        "比べる版を2つ指定してください",
        "Give the two versions to compare.",
    )
}

/// この蓄電池は返却済みです (field `returned_on`).
pub fn unit_already_returned() -> FieldError {
    FieldError::new(
        "returned_on",
        "already_returned",
        "この蓄電池は返却済みです",
        "This unit has already been returned.",
    )
}

/// 返却日は貸与日より前にできません (field `returned_on`).
pub fn returned_before_handed_on() -> FieldError {
    FieldError::new(
        "returned_on",
        "before_handed_on",
        "返却日は貸与日より前にできません",
        "The return cannot be before the unit was handed out.",
    )
}

/// 日時は「2026-09-01T14:30」の形で入力してください: a date-time that does not parse.
pub fn datetime_format(field: &str) -> FieldError {
    FieldError::new(
        field,
        "datetime_format",
        "日時は「2026-09-01T14:30」の形で入力してください",
        "Enter the date and time as 2026-09-01T14:30.",
    )
}

/// 停電している市町村を1つ以上入力してください (field `municipality_codes`).
pub fn affected_municipalities_required() -> FieldError {
    FieldError::new(
        "municipality_codes",
        "required",
        "停電している市町村を1つ以上入力してください",
        "Enter at least one affected municipality.",
    )
}

/// 復旧見込みは発生より後にしてください (field `expected_restoration_at`).
pub fn restoration_before_start() -> FieldError {
    FieldError::new(
        "expected_restoration_at",
        "before_start",
        "復旧見込みは発生より後にしてください",
        "Expected restoration must be after the start.",
    )
}

/// 発生日時に未来は入力できません (field `started_at`).
pub fn start_in_future() -> FieldError {
    FieldError::new(
        "started_at",
        "future_date",
        "発生日時に未来は入力できません",
        "The start cannot be in the future.",
    )
}

/// 既に終了しています: closing an incident that is already closed (field `incident`).
pub fn incident_already_closed() -> FieldError {
    FieldError::new(
        "incident",
        "closed",
        "既に終了しています",
        "Already closed.",
    )
}

/// この停電対応は終了しています: a check-in on a closed incident (field `incident`).
pub fn incident_closed_for_checkins() -> FieldError {
    FieldError::new(
        "incident",
        "closed",
        "この停電対応は終了しています。安否確認は記録できません",
        "This incident is closed; check-ins cannot be recorded.",
    )
}

/// この児童は停電地域の一覧にありません (field `child_id`).
pub fn child_not_in_area() -> FieldError {
    FieldError::new(
        "child_id",
        "not_in_area",
        "この児童は停電地域の一覧にありません",
        "This child is not on the incident's list.",
    )
}

/// 確認結果を選んでください: a check-in without a result (field `status`).
pub fn checkin_status_required() -> FieldError {
    FieldError::new(
        "status",
        "required",
        "確認結果を選んでください",
        "Choose the result.",
    )
}

/// ポータブル電源の容量(Wh): a child's portable power station.
pub const PORTABLE_WH: Label = Label {
    ja: "ポータブル電源の容量(Wh)",
    en: "Portable capacity (Wh)",
};

/// 酸素ボンベの時間: how long a child's oxygen cylinders last.
pub const OXYGEN_CYLINDER_HOURS: Label = Label {
    ja: "酸素ボンベの時間",
    en: "Oxygen cylinder hours",
};

/// 容量(Wh): a lendable battery unit's capacity.
pub const CAPACITY_WH: Label = Label {
    ja: "容量(Wh)",
    en: "Capacity (Wh)",
};

/// One output of every function above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    vec![
        drill_not_found(),
        two_versions_needed(),
        unit_already_returned(),
        returned_before_handed_on(),
        datetime_format("started_at"),
        affected_municipalities_required(),
        restoration_before_start(),
        start_in_future(),
        incident_already_closed(),
        incident_closed_for_checkins(),
        child_not_in_area(),
        checkin_status_required(),
    ]
}

/// Every label above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn labels() -> Vec<Label> {
    vec![PORTABLE_WH, OXYGEN_CYLINDER_HOURS, CAPACITY_WH]
}

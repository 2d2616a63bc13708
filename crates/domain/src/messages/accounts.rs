//! Messages for accounts, logins, passwords and the centers that hold them.

use crate::FieldError;

/// 現在のパスワードが違います (field `current_password`).
pub fn wrong_current_password() -> FieldError {
    FieldError::new(
        "current_password",
        "wrong_password",
        "現在のパスワードが違います",
        "The current password is not correct",
    )
}

/// 新しいパスワードは現在のものと違うものにしてください (field `password`).
pub fn same_password() -> FieldError {
    FieldError::new(
        "password",
        "same_password",
        "新しいパスワードは現在のものと違うものにしてください",
        "The new password must differ from the current one",
    )
}

/// 確認用のパスワードが一致しません: the new password and its confirmation differ
/// (field `confirm_password`).
pub fn passwords_differ() -> FieldError {
    FieldError::new(
        "confirm_password",
        "mismatch",
        "確認用のパスワードが一致しません",
        "The two new passwords differ",
    )
}

/// 確認コードが違います: a wrong one-time code from the authenticator app (field `code`).
pub fn wrong_totp_code() -> FieldError {
    FieldError::new(
        "code",
        "totp_wrong",
        "確認コードが違います。認証アプリの最新のコードを入力してください",
        "That code is not correct; enter the current code from your authenticator app",
    )
}

/// 権限は … のいずれかです: an unknown role code (field `role`).
pub fn unknown_role() -> FieldError {
    FieldError::new(
        "role",
        "unknown_role",
        "権限は admin, advisor, consultant, coordinator, municipal, viewer のいずれかです",
        "role must be one of admin, advisor, consultant, coordinator, municipal, viewer",
    )
}

/// 市町村担当には担当する市町村コードを入力してください (field `municipalities`).
pub fn municipalities_required() -> FieldError {
    FieldError::new(
        "municipalities",
        "required",
        "市町村担当には担当する市町村コードを入力してください",
        "A municipal officer needs the municipality codes they cover",
    )
}

/// 自分自身を利用停止にはできません (field `user`).
pub fn cannot_disable_self() -> FieldError {
    FieldError::new(
        "user",
        "self_disable",
        "自分自身を利用停止にはできません",
        "You cannot disable your own account",
    )
}

/// 自分自身の権限は変更できません (field `role`).
pub fn cannot_change_own_role() -> FieldError {
    FieldError::new(
        "role",
        "self_role",
        "自分自身の権限は変更できません",
        "You cannot change your own role",
    )
}

/// 自分のパスワードは「アカウント」の画面で変更してください: an administrator resetting their
/// own password (field `user`).
pub fn reset_own_password_elsewhere() -> FieldError {
    FieldError::new(
        "user",
        "self_reset",
        "自分のパスワードは「アカウント」の画面で変更してください",
        "Change your own password on your account page",
    )
}

/// 監査担当の権限やパスワードは管理者には変更できません (field `user`).
pub fn auditor_untouchable() -> FieldError {
    FieldError::new(
        "user",
        "auditor_account",
        "監査担当の権限やパスワードは管理者には変更できません（運用担当者が行います）",
        "Administrators cannot change an auditor's role or password (the operator does)",
    )
}

/// 操作は … のいずれかです: an unknown account action (field `action`).
pub fn unknown_account_action() -> FieldError {
    FieldError::new(
        "action",
        "unknown_action",
        "操作は disable, enable, end_sessions, unlock, reset_mfa のいずれかです",
        "action must be one of disable, enable, end_sessions, unlock, reset_mfa",
    )
}

/// ログイン名は英数字と . _ - で64文字以内で入力してください (field `login`).
pub fn invalid_login() -> FieldError {
    FieldError::new(
        "login",
        "invalid_login",
        "ログイン名は英数字と . _ - で64文字以内で入力してください",
        "Login names use up to 64 letters, digits and . _ -",
    )
}

/// このログイン名は既に使われています (field `login`).
pub fn login_taken() -> FieldError {
    FieldError::new(
        "login",
        "duplicate",
        "このログイン名は既に使われています",
        "This login name is already in use",
    )
}

/// そのログイン名の利用者はいません: no active user with the login (field `login`).
pub fn unknown_login() -> FieldError {
    FieldError::new(
        "login",
        "unknown_login",
        "そのログイン名の利用者はいません",
        "No active user with that login",
    )
}

/// 有効日数は1〜3650日で指定してください: an API token's lifetime (field `expires_days`).
pub fn expiry_out_of_range() -> FieldError {
    FieldError::new(
        "expires_days",
        "out_of_range",
        "有効日数は1〜3650日で指定してください",
        "Expiry must be between 1 and 3650 days",
    )
}

/// センターコードは英小文字・数字・ハイフンで入力してください (field `code`).
pub fn invalid_center_code() -> FieldError {
    FieldError::new(
        "code",
        "invalid_slug",
        "センターコードは英小文字・数字・ハイフンで入力してください",
        "Center code must use lowercase letters, digits and hyphens",
    )
}

/// このセンターコードは既に使われています (field `code`).
pub fn center_code_taken() -> FieldError {
    FieldError::new(
        "code",
        "duplicate",
        "このセンターコードは既に使われています",
        "This center code is already in use",
    )
}

/// そのセンターは登録されていません (field `center`).
pub fn unknown_center() -> FieldError {
    FieldError::new(
        "center",
        "unknown_center",
        "そのセンターは登録されていません",
        "No such center",
    )
}

/// コーディネーターの利用者が…人います: dispatch cannot be switched off while `count`
/// coordinator accounts are active (field `runs_dispatch`).
pub fn coordinators_still_active(count: i64) -> FieldError {
    FieldError::new(
        "runs_dispatch",
        "coordinators_active",
        format!(
            "コーディネーターの利用者が{count}人います。先に権限を変えるか利用停止にしてください"
        ),
        format!("{count} coordinator accounts are active; change their role or disable them first"),
    )
}

/// One output of every function above, for the catalogue's tests.
#[cfg(test)]
pub(super) fn all() -> Vec<FieldError> {
    vec![
        wrong_current_password(),
        same_password(),
        passwords_differ(),
        wrong_totp_code(),
        unknown_role(),
        municipalities_required(),
        cannot_disable_self(),
        cannot_change_own_role(),
        reset_own_password_elsewhere(),
        auditor_untouchable(),
        unknown_account_action(),
        invalid_login(),
        login_taken(),
        unknown_login(),
        expiry_out_of_range(),
        invalid_center_code(),
        center_code_taken(),
        unknown_center(),
        coordinators_still_active(3),
    ]
}
